"""Delivering inquiry emails through the database task queue and its worker to a real SMTP server
on loopback: the web request never waits on SMTP, an outage is retried with backoff, nothing is
sent twice, and what finally fails is visible in admin and can be re-sent (SPEC §8, Email).
"""

import logging
import smtplib
import threading
from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from inquiries import tasks
from inquiries.models import EmailDelivery, Inquiry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("notify_settings")]

STAFF = ["coordinators@clinic.example", "nurse@clinic.example"]
PATIENT_WORDS = ("Ada", "Lovelace", "ada@example.com", "lupus", "United Kingdom", "7946")


@pytest.fixture
def staff_addresses():
    return STAFF


def send_tasks(**filters):
    return DBTaskResult.objects.filter(task_path=tasks.send_inquiry_email.module_path, **filters)


def ready_send_tasks(delivery):
    return send_tasks(status="READY", args_kwargs={"args": [delivery.pk], "kwargs": {}})


def message_id(inquiry, kind):
    return f"<{inquiry.reference}.{kind}@clinic.example>"


@pytest.fixture
def smtp_calls(monkeypatch):
    """Every SMTP connection the code opens, wherever it opens it."""
    calls = []
    real_connect = smtplib.SMTP.connect

    def connect(self, host="localhost", port=0, source_address=None):
        calls.append((host, port))
        return real_connect(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", connect)
    return calls


def test_the_web_request_never_talks_to_smtp(submit_inquiry, task_queue, smtp_server, smtp_calls):
    smtp_server.stop()

    inquiry = submit_inquiry()

    # The patient got the thank-you page (303, checked by submit_inquiry) and the inquiry is saved,
    # though the mail server is down: the request did not even try to connect.
    assert Inquiry.objects.filter(pk=inquiry.pk, status="new").exists()
    assert smtp_calls == []
    deliveries = list(inquiry.deliveries.all())
    assert sorted(d.kind for d in deliveries) == ["acknowledgement", "staff"]
    for delivery in deliveries:
        assert delivery.state == "pending"
        assert delivery.attempts == 0
        assert delivery.sent_at is None
        assert ready_send_tasks(delivery).count() == 1
    assert send_tasks().count() == 2

    smtp_server.start()
    task_queue()

    assert smtp_calls, "the worker should have connected to the SMTP server"
    assert len(smtp_server.received) == 2


def test_the_worker_delivers_both_emails_to_the_right_recipients(
    submit_inquiry, task_queue, smtp_server
):
    inquiry = submit_inquiry()
    assert smtp_server.received == []
    assert set(inquiry.deliveries.values_list("state", flat=True)) == {"pending"}

    task_queue()

    for delivery in inquiry.deliveries.all():
        assert delivery.state == "sent"
        assert delivery.sent_at is not None
        assert delivery.attempts == 1
        assert delivery.last_error == ""
    assert send_tasks(status="SUCCESSFUL").count() == 2
    received = {item.message["Message-ID"]: item for item in smtp_server.received}
    assert len(smtp_server.received) == 2
    staff = received[message_id(inquiry, "staff")]
    ack = received[message_id(inquiry, "acknowledgement")]
    assert sorted(staff.recipients) == sorted(STAFF)
    assert ack.recipients == ["ada@example.com"]
    assert staff.message["Reply-To"] == "ada@example.com"
    assert staff.message["Subject"].startswith(f"New inquiry {inquiry.reference} — ")
    assert staff.message.get_body(("plain",)) is not None
    assert staff.message.get_body(("html",)) is not None


def test_an_outage_is_retried_and_every_email_arrives_exactly_once(
    submit_inquiry, task_queue, smtp_server, clock
):
    smtp_server.stop()
    inquiries = [
        submit_inquiry(email=f"patient{number}@example.org", name=f"Patient Number{number}")
        for number in range(3)
    ]

    attempted_at = timezone.now()
    task_queue()

    deliveries = list(EmailDelivery.objects.all())
    assert len(deliveries) == 6
    for delivery in deliveries:
        assert delivery.state == "pending"
        assert delivery.attempts == 1
        assert delivery.last_error
        for word in ("Patient", "Number", "patient", "@example.org", "lupus"):
            assert word not in delivery.last_error, delivery.last_error
        # The first retry comes within a minute.
        wait = delivery.next_attempt_at - attempted_at
        assert timedelta(0) < wait <= timedelta(seconds=60)
        [retry] = ready_send_tasks(delivery)
        assert retry.run_after == delivery.next_attempt_at

    # Before the retry is due, running the worker changes nothing.
    task_queue()
    assert set(EmailDelivery.objects.values_list("attempts", flat=True)) == {1}

    smtp_server.start()
    clock.move_to(max(d.next_attempt_at for d in deliveries))
    task_queue()

    assert len(smtp_server.received) == 6
    expected = {message_id(i, kind) for i in inquiries for kind in ("staff", "acknowledgement")}
    assert sorted(smtp_server.message_ids()) == sorted(expected)
    for delivery in EmailDelivery.objects.all():
        assert delivery.state == "sent"
        assert delivery.attempts == 2
        assert delivery.sent_at is not None
        assert delivery.last_error == ""

    # Later runs, with every scheduled task due, send nothing more.
    clock.shift(timedelta(days=1))
    task_queue("run_worker")
    task_queue()
    assert len(smtp_server.received) == 6


def test_a_long_outage_is_retried_on_schedule_then_shown_as_failed_in_admin(
    submit_inquiry, task_queue, smtp_server, clock, client, superuser
):
    smtp_server.stop()
    inquiry = submit_inquiry()
    staff = inquiry.deliveries.get(kind="staff")

    first_attempt = timezone.now()
    waits = []
    for _ in range(20):
        task_queue()
        staff.refresh_from_db()
        if staff.state != "pending":
            break
        waits.append(staff.next_attempt_at - timezone.now())
        clock.move_to(staff.next_attempt_at)
    last_attempt = timezone.now()

    assert staff.state == "failed"
    assert staff.attempts == tasks.MAX_ATTEMPTS >= 6
    assert len(waits) == staff.attempts - 1
    assert waits[0] <= timedelta(seconds=60)
    assert last_attempt - first_attempt >= timedelta(hours=1)
    assert "Connection refused" in staff.last_error or "Errno" in staff.last_error
    for word in PATIENT_WORDS:
        assert word not in staff.last_error
    assert staff.sent_at is None
    assert not ready_send_tasks(staff).exists()
    ack = inquiry.deliveries.get(kind="acknowledgement")
    assert (ack.state, ack.attempts) == ("failed", tasks.MAX_ATTEMPTS)
    # No inquiry is lost because email failed.
    assert Inquiry.objects.filter(pk=inquiry.pk, status="new").exists()

    # Signed in now: a session from before the outage would have ended.
    client.force_login(superuser)
    response = client.get(f"/admin/inquiries/inquiry/{inquiry.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Failed" in page
    assert staff.last_error.split(":")[0] in page
    assert str(tasks.MAX_ATTEMPTS) in page

    listing = client.get("/admin/inquiries/inquiry/").content.decode()
    assert inquiry.reference in listing
    assert f"failed after {tasks.MAX_ATTEMPTS} attempt(s)" in listing

    # Giving up is final: later runs send nothing.
    smtp_server.start()
    clock.shift(timedelta(days=1))
    task_queue("run_worker")
    assert smtp_server.received == []


def test_requeue_sends_a_failed_email_again(submit_inquiry, task_queue, smtp_server, monkeypatch):
    monkeypatch.setattr(tasks, "MAX_ATTEMPTS", 1)
    smtp_server.stop()
    inquiry = submit_inquiry()
    task_queue()
    staff = inquiry.deliveries.get(kind="staff")
    assert staff.state == "failed"

    smtp_server.start()
    assert tasks.requeue(staff) is True
    staff.refresh_from_db()
    assert (staff.state, staff.attempts) == ("pending", 0)
    task_queue()

    staff.refresh_from_db()
    assert staff.state == "sent"
    assert staff.sent_at is not None
    assert smtp_server.message_ids() == [message_id(inquiry, "staff")]


def test_the_admin_action_re_sends_failed_emails_once(
    submit_inquiry, task_queue, smtp_server, monkeypatch, admin_client
):
    monkeypatch.setattr(tasks, "MAX_ATTEMPTS", 1)
    smtp_server.stop()
    inquiry = submit_inquiry()
    task_queue()
    assert set(inquiry.deliveries.values_list("state", flat=True)) == {"failed"}
    smtp_server.start()

    def resend():
        response = admin_client.post(
            "/admin/inquiries/inquiry/",
            {"action": "resend_notifications", "_selected_action": [inquiry.pk]},
            follow=True,
        )
        assert response.status_code == 200
        task_queue()
        return response.content.decode()

    assert "2 email(s) queued to be sent again" in resend()
    assert sorted(smtp_server.message_ids()) == sorted(
        [message_id(inquiry, "acknowledgement"), message_id(inquiry, "staff")]
    )
    assert set(inquiry.deliveries.values_list("state", flat=True)) == {"sent"}

    # Pressed again: both emails were sent, so nothing goes out twice.
    assert "0 email(s) queued to be sent again" in resend()
    assert len(smtp_server.received) == 2


def test_requeue_refuses_to_send_a_sent_email_again_unless_asked(
    submit_inquiry, task_queue, smtp_server
):
    inquiry = submit_inquiry()
    task_queue()
    staff = inquiry.deliveries.get(kind="staff")
    assert staff.state == "sent"
    assert len(smtp_server.received) == 2

    assert tasks.requeue(staff) is False
    assert not ready_send_tasks(staff).exists()
    task_queue()
    assert len(smtp_server.received) == 2

    assert tasks.requeue(staff, resend_sent=True) is True
    task_queue()
    assert len(smtp_server.received) == 3
    assert smtp_server.message_ids().count(message_id(inquiry, "staff")) == 2
    staff.refresh_from_db()
    assert staff.state == "sent"


def test_requeue_leaves_an_email_a_worker_is_sending_alone(submit_inquiry, task_queue, smtp_server):
    inquiry = submit_inquiry()
    staff = inquiry.deliveries.get(kind="staff")
    # A worker has claimed it and is opening the SMTP connection.
    claimed = tasks._claim(staff.pk)

    assert tasks.requeue(staff) is False
    assert tasks.requeue(staff, resend_sent=True) is False

    assert tasks.deliver(staff.pk) == "nothing to do"
    staff.refresh_from_db()
    assert staff.claimed_at == claimed.claimed_at
    assert smtp_server.received == []


def test_a_refused_recipient_is_recorded_without_the_address(
    submit_inquiry, task_queue, smtp_server, caplog
):
    caplog.set_level(logging.DEBUG)
    smtp_server.handler.refuse = {"refused.patient@example.org"}
    inquiry = submit_inquiry(email="refused.patient@example.org")

    task_queue()

    ack = inquiry.deliveries.get(kind="acknowledgement")
    assert ack.state == "pending"
    assert ack.attempts == 1
    assert "550" in ack.last_error
    assert "refused" in ack.last_error.lower()
    assert "refused.patient" not in ack.last_error
    assert "example.org" not in ack.last_error
    assert ready_send_tasks(ack).count() == 1
    # The staff email still went out, replying to the patient.
    assert smtp_server.message_ids() == [message_id(inquiry, "staff")]
    assert inquiry.deliveries.get(kind="staff").state == "sent"
    app_logs = [r for r in caplog.records if not r.name.startswith("mail.log")]
    assert any(r.name == "inquiries.tasks" and "550" in r.getMessage() for r in app_logs)
    for record in app_logs:
        text = record.getMessage() + (record.exc_text or "")
        assert "refused.patient" not in text, (record.name, text)


def test_a_reply_lost_after_the_server_took_the_message_does_not_cause_a_second_copy(
    submit_inquiry, task_queue, smtp_server, clock, settings
):
    settings.MAILERS = {
        "default": {
            "BACKEND": "clinic.mail.SMTPBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": smtp_server.port, "timeout": 1},
        }
    }
    inquiry = submit_inquiry()
    staff = inquiry.deliveries.get(kind="staff")
    # The server stores the message, then answers later than the client waits.
    smtp_server.handler.hold = threading.Event()
    tasks.deliver(staff.pk)
    smtp_server.release()
    smtp_server.handler.hold = None
    assert smtp_server.message_ids() == [message_id(inquiry, "staff")]

    for _ in range(3):
        clock.shift(timedelta(hours=3))
        task_queue("run_worker")

    assert smtp_server.message_ids().count(message_id(inquiry, "staff")) == 1
    staff.refresh_from_db()
    assert staff.state in {"sent", "failed"}


def test_a_refused_staff_address_among_several_is_shown_in_admin(
    submit_inquiry, task_queue, smtp_server, settings, admin_client
):
    settings.INQUIRY_NOTIFY_EMAILS = ["coordinators@clinic.example", "old-nurse@clinic.example"]
    smtp_server.handler.refuse = {"old-nurse@clinic.example"}
    inquiry = submit_inquiry()

    task_queue()

    [received] = [r for r in smtp_server.received if r.recipients != ["ada@example.com"]]
    assert received.recipients == ["coordinators@clinic.example"]
    staff = inquiry.deliveries.get(kind="staff")
    assert "550" in staff.last_error
    page = admin_client.get(f"/admin/inquiries/inquiry/{inquiry.pk}/change/").content.decode()
    assert staff.last_error.split(":")[0] in page
