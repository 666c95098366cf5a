"""The daily digest of inquiries still waiting for a first contact (SPEC §13, Reminders)."""

from datetime import datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.tasks import task
from django.utils import timezone

from inquiries import tasks
from inquiries.models import EmailDelivery, Inquiry, ReminderDigest
from inquiries.stats import one_business_day_before


def waiting_inquiries(now):
    """New inquiries received more than one business day before `now`, oldest first."""
    return (
        Inquiry.objects.filter(
            status=Inquiry.Status.NEW,
            erased_at=None,
            created_at__lt=one_business_day_before(now),
        )
        .order_by("created_at", "pk")
        .values("id", "reference", "created_at")
    )


def queue_digest(now=None):
    """Queue today's digest; None when no inquiry waits or today's digest is already queued."""
    now = now or timezone.now()
    waiting = [
        {
            "id": row["id"],
            "reference": row["reference"],
            "received_at": row["created_at"].isoformat(),
        }
        for row in waiting_inquiries(now)
    ]
    if not waiting:
        return None
    try:
        with transaction.atomic():
            delivery = EmailDelivery.objects.create(kind=EmailDelivery.Kind.REMINDER)
            digest = ReminderDigest.objects.create(
                date=timezone.localdate(now),
                created_at=now,
                waiting=waiting,
                delivery=delivery,
            )
            tasks.send_inquiry_email.enqueue(delivery.pk)
    except IntegrityError:
        return None  # another process queued today's digest first
    return digest


def next_run(now):
    """The next INQUIRY_REMINDER_HOUR o'clock in the clinic's time zone after `now`."""
    zone = timezone.get_current_timezone()
    day = timezone.localdate(now)
    hour = time(settings.INQUIRY_REMINDER_HOUR)
    at = datetime.combine(day, hour, tzinfo=zone)
    if at <= now:
        at = datetime.combine(day + timedelta(days=1), hour, tzinfo=zone)
    return at


@task
def daily_reminders():
    """Runs on the worker at the reminder hour every day, and schedules its next run."""
    digest = queue_digest()
    tasks.schedule(daily_reminders, next_run(timezone.now()))
    return f"queued digest of {len(digest.waiting)}" if digest else "nothing to send"
