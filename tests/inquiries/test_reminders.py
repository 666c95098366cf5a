"""Coordinators get one daily digest of inquiries still new after one business day
(SPEC §13, Reminders): `send_reminders` and the worker's own run at INQUIRY_REMINDER_HOUR."""

import io
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from inquiries import reminders
from inquiries.models import EmailDelivery, Inquiry, ReminderDigest
from tests.concurrency import at_once
from tests.inquiries.admin import PERSONAL

pytestmark = pytest.mark.usefixtures("notify_settings")

STAFF = ["coordinators@clinic.example", "lead@clinic.example"]
# What no digest may carry, down to a part of the number or the message.
SECRETS = [*PERSONAL.values(), "7946 0000", "health"]


@pytest.fixture
def staff_addresses():
    return STAFF


@pytest.fixture
def waiting(make_inquiry):
    """An inquiry received six days ago and still new: waiting, whatever day the test runs."""
    return make_inquiry(**PERSONAL, created_at=timezone.now() - timedelta(days=6))


def send_reminders():
    out = io.StringIO()
    call_command("send_reminders", stdout=out)
    return out.getvalue()


def test_the_digest_lists_references_waiting_times_and_admin_links_only(
    waiting, make_inquiry, mailoutbox
):
    fresh = make_inquiry(created_at=timezone.now() - timedelta(minutes=30))
    answered = make_inquiry(
        status=Inquiry.Status.CONTACTED, created_at=timezone.now() - timedelta(days=9)
    )
    erased = make_inquiry(created_at=timezone.now() - timedelta(days=8))
    erased.erase_personal_data(by="privacy officer")

    assert "Digest of 1 waiting inquiry(ies): sent" in send_reminders()

    [message] = mailoutbox
    assert sorted(message.to) == sorted(STAFF)
    assert message.subject == "1 inquiry waiting for a first contact"
    html = message.alternatives[0].content
    for text in (message.body, html):
        assert waiting.reference in text
        assert f"https://clinic.example/admin/inquiries/inquiry/{waiting.pk}/change/" in text
        assert "waiting 6 d 0 h" in text
        for other in (fresh, answered, erased):
            assert other.reference not in text
    everything = message.message().as_string()
    for secret in SECRETS:
        assert secret not in everything


def test_nothing_is_sent_when_no_inquiry_waits(make_inquiry, mailoutbox):
    make_inquiry(created_at=timezone.now() - timedelta(minutes=30))
    make_inquiry(status=Inquiry.Status.SPAM, created_at=timezone.now() - timedelta(days=9))

    assert "Nothing to send" in send_reminders()
    assert mailoutbox == []
    assert not ReminderDigest.objects.exists()


def test_the_digest_is_never_sent_twice_on_the_same_day(waiting, mailoutbox, clock):
    send_reminders()
    assert "Nothing to send" in send_reminders()
    assert reminders.queue_digest() is None
    assert len(mailoutbox) == 1

    clock.shift(timedelta(days=1))
    send_reminders()
    assert len(mailoutbox) == 2
    assert ReminderDigest.objects.count() == 2


def test_the_next_run_is_at_the_reminder_hour_in_the_clinic_time_zone(settings):
    settings.TIME_ZONE = "America/New_York"
    settings.INQUIRY_REMINDER_HOUR = 8
    zone = ZoneInfo("America/New_York")
    before = timezone.datetime(2026, 11, 30, 7, 59, tzinfo=zone)
    on_the_hour = timezone.datetime(2026, 11, 30, 8, 0, tzinfo=zone)

    assert reminders.next_run(before) == on_the_hour
    assert reminders.next_run(on_the_hour) == on_the_hour + timedelta(days=1)
    # Across the change to summer time the digest still goes at 8 o'clock local time.
    spring = timezone.datetime(2027, 3, 13, 9, 0, tzinfo=zone)
    assert reminders.next_run(spring) == timezone.datetime(2027, 3, 14, 8, 0, tzinfo=zone)


def ready_reminder_tasks():
    return DBTaskResult.objects.filter(
        task_path=reminders.daily_reminders.module_path, status="READY"
    )


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_digest_daily_at_the_reminder_hour_once(
    settings, waiting, task_queue, smtp_server, clock
):
    settings.TIME_ZONE = "Europe/Madrid"
    settings.INQUIRY_REMINDER_HOUR = 8

    task_queue("run_worker")
    [scheduled] = ready_reminder_tasks()
    first_run = scheduled.run_after
    assert timezone.localtime(first_run).hour == 8
    assert timezone.localtime(first_run).minute == 0
    assert smtp_server.received == []

    # A second worker starting does not schedule a second daily run.
    task_queue("run_worker")
    assert ready_reminder_tasks().count() == 1

    clock.move_to(first_run)
    task_queue()
    [received] = smtp_server.received
    assert sorted(received.recipients) == sorted(STAFF)
    assert waiting.reference in received.message.get_body(("plain",)).get_content()
    date = timezone.localdate(first_run)
    assert received.message["Message-ID"] == f"<reminders-{date}@clinic.example>"
    [tomorrow] = ready_reminder_tasks()
    assert tomorrow.run_after == first_run + timedelta(days=1)

    # Run by hand the same day (or by another worker), nothing more goes out.
    assert "Nothing to send" in send_reminders()
    task_queue("run_worker")
    assert len(smtp_server.received) == 1

    clock.move_to(tomorrow.run_after)
    task_queue()
    assert len(smtp_server.received) == 2
    assert ReminderDigest.objects.count() == 2


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one writer at a time; the race needs PostgreSQL",
)
def test_two_workers_at_the_same_moment_queue_one_digest(waiting):
    results = at_once(reminders.queue_digest)

    assert sorted(result is None for result in results) == [False, True]
    assert ReminderDigest.objects.count() == 1
    assert EmailDelivery.objects.filter(kind="reminder").count() == 1
