"""The two staff groups and exactly their rights (SPEC §8, "Staff in Django admin")."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUPS = {
    # Answer inquiries: see and change them, add notes; never delete anything.
    "Patient coordinators": [
        ("inquiries", "inquiry", ["view", "change"]),
        ("inquiries", "inquirynote", ["view", "add"]),
        ("inquiries", "emaildelivery", ["view"]),
    ],
    # Edit condition pages and study summaries; no access to inquiries.
    "Content editors": [
        ("conditions", "condition", ["view", "add", "change"]),
        ("research", "study", ["view", "add", "change"]),
        ("research", "keyfinding", ["view", "add", "change", "delete"]),
    ],
}


def create_groups(apps, schema_editor):
    grant(apps, GROUPS)


def grant(apps, groups):
    """Create each group with exactly its permissions; later group migrations call this too."""
    # Permissions are normally created after all migrations; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, grants in groups.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(
            Permission.objects.get(content_type__app_label=app_label, codename=f"{action}_{model}")
            for app_label, model, actions in grants
            for action in actions
        )


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("conditions", "0001_initial"),
        ("research", "0001_initial"),
        ("inquiries", "0002_staff_workflow"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
