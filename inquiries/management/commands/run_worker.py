from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand
from django_tasks_db.models import DBTaskResult, TaskResultStatus

from inquiries.reminders import daily_reminders, next_run
from inquiries.tasks import recover_deliveries, recover_stalled_deliveries, schedule


def is_scheduled(a_task):
    return DBTaskResult.objects.filter(
        task_path=a_task.module_path, status=TaskResultStatus.READY
    ).exists()


class Command(DatabaseWorkerCommand):
    help = (
        "Run the background worker (django-tasks-db's db_worker), after re-queueing emails that a "
        "stopped worker left behind, and keep that check running every few minutes; send "
        "coordinators the daily reminder digest at INQUIRY_REMINDER_HOUR."
    )

    def handle(self, *args, **options):
        recovered = recover_stalled_deliveries()
        if recovered:
            self.stdout.write(f"Re-queued {recovered} email(s) left behind by a stopped worker.")
        if not is_scheduled(recover_deliveries):
            recover_deliveries.enqueue()
        if not is_scheduled(daily_reminders):
            schedule(daily_reminders, next_run(timezone.now()))
        super().handle(*args, **options)
