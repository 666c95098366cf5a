"""The staff groups as their data migrations make them, for tests that need them."""

import importlib

from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# The data migrations that create staff groups, each with a GROUPS dict and create_groups().
GROUP_MIGRATIONS = ["0001_staff_groups", "0002_privacy_officers"]


def migrations():
    return {name: importlib.import_module(f"clinic.migrations.{name}") for name in GROUP_MIGRATIONS}


def staff_groups():
    """{name: group} for every staff group, as the data migrations left them.

    A transactional test elsewhere in the run may have flushed the tables; then each migration's
    own function runs again, on the historical models it runs on during `migrate`.
    """
    loader = None
    names = []
    for name, migration in migrations().items():
        names += migration.GROUPS
        if Group.objects.filter(name__in=migration.GROUPS).count() < len(migration.GROUPS):
            loader = loader or MigrationExecutor(connection).loader
            migration.create_groups(loader.project_state(("clinic", name), at_end=True).apps, None)
    return {group.name: group for group in Group.objects.filter(name__in=names)}
