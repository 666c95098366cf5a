"""Patient coordinators write the reply templates they use and see the routing rules (SPEC §13)."""

import importlib

from django.db import migrations

STAFF_GROUPS = importlib.import_module("clinic.migrations.0001_staff_groups")
COORDINATORS = "Patient coordinators"

GROUPS = {
    COORDINATORS: [
        *STAFF_GROUPS.GROUPS[COORDINATORS],
        ("inquiries", "replytemplate", ["view", "add", "change"]),
        ("inquiries", "routingrule", ["view"]),
    ],
}


def create_groups(apps, schema_editor):
    STAFF_GROUPS.grant(apps, GROUPS)


def remove_grants(apps, schema_editor):
    STAFF_GROUPS.grant(apps, {COORDINATORS: STAFF_GROUPS.GROUPS[COORDINATORS]})


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0002_privacy_officers"),
        ("inquiries", "0007_reminder_digest"),
    ]

    operations = [migrations.RunPython(create_groups, remove_grants)]
