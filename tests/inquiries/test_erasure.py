"""Erasing a patient's personal data on request: who may, what stays, and that the emails still
waiting are cancelled, never sent with blanks (SPEC §8 and §14)."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from inquiries import emails, tasks
from inquiries.models import EmailDelivery, Inquiry, InquiryAccess, InquiryNote
from tests.inquiries.admin import (
    CHANGELIST,
    PERSONAL,
    change_url,
    changelist_rows,
    delivery,
    offered_actions,
    run_action,
)
from tests.pages import Page, admin_readonly, form_data

State = EmailDelivery.State
WIPED = [*PERSONAL, "phone_digits"]


@pytest.fixture(params=["privacy_officer", "superuser"])
def eraser(request, client):
    """Each test taking `eraser` runs as a privacy officer and as a superuser, logged in on
    `client`."""
    user = request.getfixturevalue(request.param)
    client.force_login(user)
    return user


@pytest.fixture
def inquiry_to_erase(make_inquiry, make_condition, coordinator):
    created = timezone.now() - timedelta(days=20)
    inquiry = make_inquiry(
        **PERSONAL,
        condition=make_condition(name="Lupus"),
        source_page="/conditions/lupus/",
        created_at=created,
        status=Inquiry.Status.CONTACTED,
        status_changed_at=created + timedelta(hours=2),
        first_contacted_at=created + timedelta(hours=2),
    )
    InquiryNote.objects.create(inquiry=inquiry, author=coordinator, text="Ada's daughter called.")
    delivery(inquiry, state=State.FAILED, attempts=8, last_error="550 <ada@x>")
    return inquiry


def erase(client, *inquiries):
    """Choose the action, then confirm it, as a browser does."""
    confirmation = run_action(client, "erase_personal_data", *inquiries)
    assert confirmation.status_code == 200
    return client.post(CHANGELIST, form_data(confirmation, form_id=None))


# Who may erase


def test_erasing_personal_data_asks_for_confirmation_first(client, eraser, inquiry_to_erase):
    response = run_action(client, "erase_personal_data", inquiry_to_erase)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Erase personal data?" in page
    assert inquiry_to_erase.reference in page
    assert "Yes, erase the personal data" in page
    inquiry_to_erase.refresh_from_db()
    assert inquiry_to_erase.name == "Ada Lovelace"
    assert inquiry_to_erase.erased_at is None
    assert inquiry_to_erase.notes.count() == 1


def test_confirming_erases_personal_data_and_keeps_the_record(
    client, eraser, inquiry_to_erase, make_inquiry
):
    kept = {
        name: getattr(inquiry_to_erase, name)
        for name in [
            "reference", "status", "created_at", "status_changed_at", "first_contacted_at",
            "condition_id", "consent_at", "consent_version", "source_page",
        ]
    }  # fmt: skip
    bystander = make_inquiry(name="Grace Hopper")
    before = timezone.now()

    response = erase(client, inquiry_to_erase)

    assert response.status_code == 302
    inquiry = Inquiry.objects.get(pk=inquiry_to_erase.pk)
    for wiped in WIPED:
        assert getattr(inquiry, wiped) == "", wiped
    assert {name: getattr(inquiry, name) for name in kept} == kept
    assert inquiry.erased_by == eraser.username
    assert before <= inquiry.erased_at <= timezone.now()
    assert not inquiry.notes.exists()
    assert inquiry.deliveries.get().last_error == ""
    [erasure] = InquiryAccess.objects.filter(inquiry=inquiry, action=InquiryAccess.Action.ERASED)
    assert (erasure.user, erasure.username) == (eraser, eraser.username)
    bystander.refresh_from_db()
    assert bystander.name == "Grace Hopper" and bystander.erased_at is None
    page = client.get(change_url(inquiry)).content.decode()
    assert "Ada" not in page and "Everything about my health." not in page


def test_a_coordinator_is_not_offered_erasure_and_cannot_post_it(
    client, coordinator, inquiry_to_erase
):
    client.force_login(coordinator)

    offered = offered_actions(client.get(CHANGELIST))
    assert "mark_contacted" in offered and "erase_personal_data" not in offered
    chosen = run_action(client, "erase_personal_data", inquiry_to_erase)
    confirmed = run_action(client, "erase_personal_data", inquiry_to_erase, confirm="yes")

    for response in [chosen, confirmed]:
        assert response.status_code == 302
        assert "Erase personal data?" not in response.content.decode()
    inquiry = Inquiry.objects.get(pk=inquiry_to_erase.pk)
    assert (inquiry.name, inquiry.erased_at) == ("Ada Lovelace", None)
    assert inquiry.notes.count() == 1
    assert not InquiryAccess.objects.filter(action=InquiryAccess.Action.ERASED).exists()


def test_a_privacy_officer_sees_inquiries_but_does_not_work_on_them(
    client, privacy_officer, inquiry_to_erase
):
    client.force_login(privacy_officer)

    listing = client.get(CHANGELIST)
    assert inquiry_to_erase.reference in changelist_rows(listing)
    offered = offered_actions(listing)
    assert "erase_personal_data" in offered and "mark_contacted" not in offered
    response = client.get(change_url(inquiry_to_erase))
    assert admin_readonly(response, "status").text == "Contacted"
    run_action(client, "mark_closed", inquiry_to_erase)
    assert Inquiry.objects.get(pk=inquiry_to_erase.pk).status == Inquiry.Status.CONTACTED


def test_erasing_twice_records_one_erasure(client, eraser, inquiry_to_erase):
    erase(client, inquiry_to_erase)
    erased_at = Inquiry.objects.get(pk=inquiry_to_erase.pk).erased_at

    erase(client, inquiry_to_erase)

    assert Inquiry.objects.get(pk=inquiry_to_erase.pk).erased_at == erased_at
    assert InquiryAccess.objects.filter(action=InquiryAccess.Action.ERASED).count() == 1


# Emails not yet sent are cancelled


def test_erasing_cancels_the_emails_not_yet_sent_and_keeps_the_record_of_others(
    superuser_client, make_inquiry
):
    inquiry = make_inquiry(name="Ada Lovelace")
    sent_at = timezone.now() - timedelta(minutes=5)
    sent = delivery(inquiry, EmailDelivery.Kind.STAFF, state=State.SENT, sent_at=sent_at)
    waiting = delivery(
        inquiry, EmailDelivery.Kind.ACKNOWLEDGEMENT, state=State.PENDING, attempts=2,
        last_error="Connection refused", next_attempt_at=timezone.now() + timedelta(minutes=2),
    )  # fmt: skip

    erase(superuser_client, inquiry)

    sent.refresh_from_db()
    waiting.refresh_from_db()
    assert (sent.state, sent.sent_at) == (State.SENT, sent_at)
    assert (waiting.state, waiting.claimed_at, waiting.last_error) == (State.CANCELLED, None, "")
    response = superuser_client.get(change_url(inquiry))
    shown = f"sent {timezone.localtime(sent_at):%d %b %H:%M}; 1 cancelled: personal data erased"
    assert admin_readonly(response, "notifications").text.startswith(shown)
    states = Page(response).find_all("td", has_class="field-state")
    assert "Cancelled: personal data erased" in [td.text for td in states]
    row = changelist_rows(superuser_client.get(CHANGELIST, {"notification": "cancelled"}))
    assert list(row) == [inquiry.reference]
    assert row[inquiry.reference]["notifications"].startswith(shown)
    assert changelist_rows(superuser_client.get(CHANGELIST, {"notification": "pending"})) == {}


def test_a_cancelled_email_is_never_queued_again(make_inquiry):
    inquiry = make_inquiry()
    waiting = delivery(inquiry, state=State.PENDING)
    inquiry.erase_personal_data(by="test")

    assert tasks.requeue(waiting, resend_sent=True) is False
    waiting.refresh_from_db()
    assert waiting.state == State.CANCELLED


# The worker never sends an email of an erased inquiry


worker_test = pytest.mark.django_db(transaction=True)


@pytest.fixture
def officer_client(privacy_officer):
    officer = Client()
    officer.force_login(privacy_officer)
    return officer


@pytest.fixture
def erase_when_built(monkeypatch):
    """Each email's builder erases its inquiry once the message is built: the erasure commits
    between the worker's claim and its send."""

    def erasing(build):
        def build_then_erase(inquiry):
            message = build(inquiry)
            Inquiry.objects.get(pk=inquiry.pk).erase_personal_data(by="privacy")
            return message

        return build_then_erase

    for kind, build in list(emails.BUILDERS.items()):
        monkeypatch.setitem(emails.BUILDERS, kind, erasing(build))


def send_results():
    return DBTaskResult.objects.filter(task_path=tasks.send_inquiry_email.module_path)


@worker_test
def test_the_emails_of_an_inquiry_erased_before_the_worker_ran_are_never_sent(
    notify_settings, submit_inquiry, task_queue, smtp_server, officer_client
):
    inquiry = submit_inquiry()
    assert set(inquiry.deliveries.values_list("state", flat=True)) == {State.PENDING}

    erase(officer_client, inquiry)
    task_queue("run_worker")

    assert smtp_server.received == []
    for sent in inquiry.deliveries.all():
        assert (sent.state, sent.attempts, sent.sent_at) == (State.CANCELLED, 0, None)
    assert set(send_results().values_list("status", flat=True)) == {"SUCCESSFUL"}


@worker_test
def test_a_retry_queued_before_the_erasure_is_never_sent(
    notify_settings, submit_inquiry, task_queue, smtp_server, clock, officer_client
):
    smtp_server.stop()
    inquiry = submit_inquiry()
    task_queue()
    waiting = list(inquiry.deliveries.all())
    assert {(d.state, d.attempts) for d in waiting} == {(State.PENDING, 1)}
    assert send_results().filter(status="READY").count() == 2

    erase(officer_client, inquiry)
    smtp_server.start()
    clock.move_to(max(d.next_attempt_at for d in waiting))
    task_queue("run_worker")

    assert smtp_server.received == []
    assert {(d.state, d.attempts) for d in inquiry.deliveries.all()} == {(State.CANCELLED, 1)}
    assert not send_results().filter(status="READY").exists()


@worker_test
@pytest.mark.parametrize("smtp_up", [True, False], ids=["sending", "failing"])
def test_an_erasure_during_a_sending_attempt_sends_nothing_and_queues_no_retry(
    notify_settings, submit_inquiry, task_queue, smtp_server, erase_when_built, smtp_up
):
    if not smtp_up:
        smtp_server.stop()
    inquiry = submit_inquiry()

    task_queue()

    assert smtp_server.received == []
    assert set(inquiry.deliveries.values_list("state", flat=True)) == {State.CANCELLED}
    assert Inquiry.objects.get(pk=inquiry.pk).is_erased
    assert not send_results().filter(status="READY").exists()


def wait_for_a_query_waiting_on_a_lock(deadline=30):
    """Poll PostgreSQL until another session on this database waits on a row lock."""
    end = time.monotonic() + deadline
    with connection.cursor() as cursor:
        while time.monotonic() < end:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                "AND datname = current_database() AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
    return False


@worker_test
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="a worker waiting on an erasure's row locks: PostgreSQL only; "
    "run with DATABASE_URL=postgres://...",
)
def test_a_worker_claiming_while_an_erasure_commits_waits_and_sends_nothing(
    notify_settings, submit_inquiry, task_queue, smtp_server
):
    inquiry = submit_inquiry()
    staff = inquiry.deliveries.get(kind=EmailDelivery.Kind.STAFF)
    erasing, release = threading.Event(), threading.Event()
    outcomes, errors = [], []

    def erase():
        try:
            with transaction.atomic():
                Inquiry.objects.get(pk=inquiry.pk).erase_personal_data(by="privacy")
                erasing.set()
                release.wait(30)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    def work():
        try:
            outcomes.append(tasks.deliver(staff.pk))
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    eraser, worker = threading.Thread(target=erase), threading.Thread(target=work)
    eraser.start()
    assert erasing.wait(30)
    worker.start()
    assert wait_for_a_query_waiting_on_a_lock(), "the worker should wait for the erasure"
    release.set()
    for thread in (eraser, worker):
        thread.join(timeout=60)

    assert errors == []
    assert outcomes == ["nothing to do"]
    assert smtp_server.received == []
    staff.refresh_from_db()
    assert (staff.state, staff.attempts) == (State.CANCELLED, 0)


@worker_test
def test_an_inquiry_erased_without_cancelling_its_emails_still_sends_nothing(
    notify_settings, submit_inquiry, task_queue, smtp_server
):
    # As an erasure made before cancelling existed left it: wiped, its emails still pending.
    inquiry = submit_inquiry()
    Inquiry.objects.filter(pk=inquiry.pk).update(
        erased_at=timezone.now(), **dict.fromkeys(WIPED, "")
    )

    task_queue()

    assert smtp_server.received == []
    assert set(inquiry.deliveries.values_list("state", flat=True)) == {State.CANCELLED}
