from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from inquiries.tasks import recover_deliveries, recover_stalled_deliveries


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background worker (django-tasks-db's db_worker), after re-queueing emails that a "
        "stopped worker left behind, and keep that check running every few minutes."
    )

    def handle(self, *args, **options):
        recovered = recover_stalled_deliveries()
        if recovered:
            self.stdout.write(f"Re-queued {recovered} email(s) left behind by a stopped worker.")
        waiting = DBTaskResult.objects.filter(
            task_path=recover_deliveries.module_path, status=TaskResultStatus.READY
        )
        if not waiting.exists():
            recover_deliveries.enqueue()
        super().handle(*args, **options)
