from datetime import timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils import timezone

# Failed sign-ins stop counting after the 15-minute cool-off; a day keeps them for a look at an
# attack that happened overnight.
FAILED_SIGN_INS_KEPT = timedelta(days=1)
# Who signed in when and from where: enough to answer a question about last quarter.
SIGN_IN_LOG_KEPT = timedelta(days=90)


class Command(BaseCommand):
    help = (
        "Delete ended sessions, failed sign-in records older than a day and the sign-in log "
        "older than 90 days. Run daily."
    )

    def handle(self, *args, **options):
        now = timezone.now()
        sessions = Session.objects.filter(expire_date__lt=now).count()
        call_command("clearsessions")
        failures = delete(AccessAttempt.objects.filter(attempt_time__lt=now - FAILED_SIGN_INS_KEPT))
        logged = delete(AccessLog.objects.filter(attempt_time__lt=now - SIGN_IN_LOG_KEPT))
        failure_log = delete(
            AccessFailureLog.objects.filter(attempt_time__lt=now - SIGN_IN_LOG_KEPT)
        )
        self.stdout.write(
            f"Deleted {sessions} ended session(s), {failures} old failed sign-in record(s) and "
            f"{logged + failure_log} sign-in log entr(ies)."
        )


def delete(queryset):
    """How many rows of the queryset's own model went (not counting the rows they took along)."""
    _, per_model = queryset.delete()
    return per_model.get(queryset.model._meta.label, 0)
