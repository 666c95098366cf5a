"""Content editors also edit the translations of condition pages and study summaries (SPEC §12)."""

import importlib

from django.db import migrations

STAFF_GROUPS = importlib.import_module("clinic.migrations.0001_staff_groups")
EDITORS = "Content editors"

GROUPS = {
    EDITORS: [
        *STAFF_GROUPS.GROUPS[EDITORS],
        ("conditions", "conditiontranslation", ["view", "add", "change"]),
        ("research", "studytranslation", ["view", "add", "change"]),
    ],
}


def create_groups(apps, schema_editor):
    STAFF_GROUPS.grant(apps, GROUPS)


def remove_grants(apps, schema_editor):
    STAFF_GROUPS.grant(apps, {EDITORS: STAFF_GROUPS.GROUPS[EDITORS]})


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0003_coordinators_answer_patients"),
        ("conditions", "0002_conditiontranslation"),
        ("research", "0002_study_last_reviewed_studytranslation"),
    ]

    operations = [migrations.RunPython(create_groups, remove_grants)]
