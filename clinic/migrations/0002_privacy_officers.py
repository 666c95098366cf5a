"""The "Privacy officers" group: they erase a patient's data on request (SPEC §14)."""

import importlib

from django.db import migrations

STAFF_GROUPS = importlib.import_module("clinic.migrations.0001_staff_groups")

GROUPS = {
    # See inquiries and erase their personal data; answering patients stays with coordinators.
    "Privacy officers": [
        ("inquiries", "inquiry", ["view", "erase"]),
    ],
}


def create_groups(apps, schema_editor):
    STAFF_GROUPS.grant(apps, GROUPS)


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0001_staff_groups"),
        ("inquiries", "0004_access_log_and_erasure"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
