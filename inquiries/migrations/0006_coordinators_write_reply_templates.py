"""Patient coordinators write the reply templates they use, and see the routing rules."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GRANTS = [
    ("replytemplate", ["view", "add", "change"]),
    ("routingrule", ["view"]),
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("inquiries")
    # Permissions are normally created after all migrations; the grant needs them now.
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group = apps.get_model("auth", "Group").objects.filter(name="Patient coordinators").first()
    if group is None:
        return
    Permission = apps.get_model("auth", "Permission")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="inquiries",
            codename__in=[f"{action}_{model}" for model, actions in GRANTS for action in actions],
        )
    )


def revoke(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name="Patient coordinators").first()
    if group is not None:
        group.permissions.remove(
            *group.permissions.filter(content_type__model__in=[model for model, _ in GRANTS])
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("clinic", "0001_staff_groups"),
        ("inquiries", "0005_reminder_digest"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
