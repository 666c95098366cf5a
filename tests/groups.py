"""The staff groups as their data migrations make them, for tests that need them."""

import functools
import importlib

from django.contrib.auth.models import Group
from django.db.migrations.loader import MigrationLoader

# The data migrations that create staff groups, each with a GROUPS dict and create_groups().
GROUP_MIGRATIONS = [
    "0001_staff_groups",
    "0002_privacy_officers",
    "0003_coordinators_answer_patients",
    "0004_editors_translate",
]


def migrations():
    return {name: importlib.import_module(f"clinic.migrations.{name}") for name in GROUP_MIGRATIONS}


@functools.cache
def historical_apps(migration_name):
    """The models as they were when the migration ran; built once, it takes most of a second."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return loader.project_state(("clinic", migration_name), at_end=True).apps


def staff_groups():
    """{name: group} for every staff group, as the data migrations left them.

    A transactional test elsewhere in the run may have flushed the tables; then each migration's
    own function runs again, on the historical models it runs on during `migrate`.
    """
    steps = migrations()
    names = {name for migration in steps.values() for name in migration.GROUPS}
    if Group.objects.filter(name__in=names).count() < len(names):
        # In order: a later migration may change the rights of a group an earlier one made.
        for name, migration in steps.items():
            migration.create_groups(historical_apps(name), None)
    return {group.name: group for group in Group.objects.filter(name__in=names)}
