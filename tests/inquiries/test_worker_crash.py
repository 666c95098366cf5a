"""Crash safety of email delivery: a task run twice, a worker that dies before, while or after
claiming an email, and two workers racing for one email never send the same email twice, and
never lose one (SPEC §8: "no email is sent twice for one inquiry when a worker crashes").
"""

import functools
import signal
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from inquiries import tasks
from inquiries.models import EmailDelivery
from tests.concurrency import at_once, shared_database_url
from tests.serving import manage, production_env

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("notify_settings")]

ON_POSTGRESQL = connection.vendor == "postgresql"


def send_tasks(delivery, **filters):
    return DBTaskResult.objects.filter(
        task_path=tasks.send_inquiry_email.module_path,
        args_kwargs={"args": [delivery.pk], "kwargs": {}},
        **filters,
    )


@pytest.fixture
def left_by_a_dead_worker(task_queue, submit_inquiry, smtp_server):
    """A new inquiry whose staff email's task a worker took, as db_worker does before running it,
    and then died with. Returns the inquiry and that email's delivery."""
    inquiry = submit_inquiry()
    staff = inquiry.deliveries.get(kind="staff")
    [result] = send_tasks(staff, status="READY")
    result.claim("worker-that-died")
    return inquiry, staff


def assert_state(delivery, state, attempts):
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (state, attempts)


def assert_each_sent_once(smtp_server, inquiry, kinds=("staff", "acknowledgement")):
    # Only this inquiry's emails: a day later the coordinators' reminder digest may go out too.
    ids = [i for i in smtp_server.message_ids() if i.startswith(f"<{inquiry.reference}.")]
    assert sorted(ids) == sorted(f"<{inquiry.reference}.{kind}@clinic.example>" for kind in kinds)


# In-process: the states a dead worker leaves behind, and what the next worker does with them.


def test_a_task_that_runs_twice_sends_once(submit_inquiry, task_queue, smtp_server):
    inquiry = submit_inquiry()
    staff = inquiry.deliveries.get(kind="staff")

    assert tasks.deliver(staff.pk) == "sent"
    assert tasks.deliver(staff.pk) == "nothing to do"
    assert smtp_server.message_ids() == [f"<{inquiry.reference}.staff@clinic.example>"]

    # The same task queued again (twice for each email) and the worker running all of them.
    for delivery in inquiry.deliveries.all():
        tasks.send_inquiry_email.enqueue(delivery.pk)
        tasks.send_inquiry_email.enqueue(delivery.pk)
    task_queue()

    assert_each_sent_once(smtp_server, inquiry)
    assert_state(staff, "sent", 1)


def test_a_task_lost_with_its_worker_before_it_ran_is_recovered_and_sent_once(
    left_by_a_dead_worker, task_queue, smtp_server, clock
):
    inquiry, staff = left_by_a_dead_worker

    # The next worker does not know yet that the first one died: it sends only the other email.
    task_queue("run_worker")
    assert_each_sent_once(smtp_server, inquiry, kinds=["acknowledgement"])
    assert_state(staff, "pending", 0)

    clock.shift(tasks.CLAIM_LEASE + timedelta(minutes=1))
    assert tasks.recover_stalled_deliveries() == 1
    task_queue()
    task_queue("run_worker")

    assert_each_sent_once(smtp_server, inquiry)
    assert_state(staff, "sent", 1)


def test_a_claim_left_by_a_dead_worker_is_sent_again_exactly_once_after_its_lease(
    left_by_a_dead_worker, task_queue, smtp_server, clock
):
    inquiry, staff = left_by_a_dead_worker
    # The worker had claimed the email (and counted the attempt) before it died.
    EmailDelivery.objects.filter(pk=staff.pk).update(claimed_at=timezone.now(), attempts=1)

    # While the claim is fresh the worker may still be alive: nobody touches the email.
    clock.shift(tasks.CLAIM_LEASE - timedelta(minutes=1))
    assert tasks.recover_stalled_deliveries() == 0
    task_queue()
    assert_each_sent_once(smtp_server, inquiry, kinds=["acknowledgement"])

    clock.shift(timedelta(minutes=2))
    assert tasks.recover_stalled_deliveries() == 1
    task_queue()

    assert_each_sent_once(smtp_server, inquiry)
    assert_state(staff, "sent", 2)
    # Recovery running again later finds nothing to do.
    clock.shift(tasks.CLAIM_LEASE * 3)
    task_queue("run_worker")
    assert_each_sent_once(smtp_server, inquiry)


def test_an_email_left_sending_by_a_dead_worker_is_failed_for_a_person_and_not_resent(
    left_by_a_dead_worker, task_queue, smtp_server, clock, admin_client
):
    inquiry, staff = left_by_a_dead_worker
    EmailDelivery.objects.filter(pk=staff.pk).update(
        claimed_at=timezone.now(), attempts=1, state="sending"
    )

    clock.shift(tasks.CLAIM_LEASE + timedelta(minutes=1))
    task_queue("run_worker")

    staff.refresh_from_db()
    assert staff.state == "failed"
    assert "may or may not have been delivered" in staff.last_error
    assert staff.last_error == tasks.UNCERTAIN
    assert_each_sent_once(smtp_server, inquiry, kinds=["acknowledgement"])
    response = admin_client.get(f"/admin/inquiries/inquiry/{inquiry.pk}/change/")
    assert "may or may not have been delivered" in response.content.decode()

    clock.shift(timedelta(days=1))
    task_queue("run_worker")
    assert_each_sent_once(smtp_server, inquiry, kinds=["acknowledgement"])

    # A person who checked may re-send it.
    assert tasks.requeue(staff) is True
    task_queue()
    assert_each_sent_once(smtp_server, inquiry)


# Real processes: `manage.py run_worker` killed with SIGKILL and started again.


@pytest.fixture
def worker_process(smtp_server, settings, tmp_path):
    """Start `manage.py run_worker` in its own process against the test database and SMTP server."""
    url = shared_database_url()
    if url is None:
        pytest.skip(
            "needs a database another process can open: the SQLite test database is in memory; "
            "run with DATABASE_URL=postgres://... to test a real worker crash"
        )
    env = production_env(
        tmp_path,
        DATABASE_URL=url,
        SITE_URL=settings.SITE_URL,
        DJANGO_HTTPS="false",
        INQUIRY_NOTIFY_EMAILS=",".join(settings.INQUIRY_NOTIFY_EMAILS),
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_server.port),
    )
    started = []

    def start(*, batch=True):
        options = ["--batch"] if batch else ["--interval", "0.1"]
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")
        process = manage(
            env, "run_worker", "--no-reload", "--no-startup-delay", *options, stdout=log
        )
        process.log_path = log.name
        started.append((process, log))
        return process

    def run():
        """Run a worker until no task is due; it must exit cleanly."""
        process = start()
        assert process.wait(timeout=60) == 0, Path(process.log_path).read_text()[-3000:]

    start.run = run
    yield start
    for process, log in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        log.close()


def wait_for(condition, timeout=30, what="condition"):
    """Poll another process's progress, with a bound."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def test_a_worker_killed_while_sending_never_sends_the_email_twice(
    submit_inquiry, task_queue, smtp_server, worker_process
):
    inquiry = submit_inquiry()
    # The server takes the message and then waits before it answers: the worker dies not
    # knowing whether the email left.
    smtp_server.handler.hold = threading.Event()
    worker = worker_process()
    wait_for(
        lambda: smtp_server.handler.data_arrived.is_set() or worker.poll() is not None,
        what="the worker to send an email",
    )
    assert smtp_server.handler.data_arrived.is_set(), Path(worker.log_path).read_text()
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(timeout=10) == -signal.SIGKILL
    smtp_server.release()
    smtp_server.handler.hold = None

    [uncertain] = EmailDelivery.objects.filter(state="sending")
    assert len(smtp_server.received) == 1

    # The restarted worker sends the other email and leaves the uncertain one alone.
    worker_process.run()
    assert_each_sent_once(smtp_server, inquiry)
    uncertain.refresh_from_db()
    assert uncertain.state == "sending"

    # Once the dead worker's claim has outlived its lease, the next worker gives the email to a
    # person to check: never sent a second time.
    EmailDelivery.objects.filter(pk=uncertain.pk).update(
        claimed_at=timezone.now() - tasks.CLAIM_LEASE - timedelta(minutes=1)
    )
    worker_process.run()
    uncertain.refresh_from_db()
    assert uncertain.state == "failed"
    assert uncertain.last_error == tasks.UNCERTAIN
    assert_each_sent_once(smtp_server, inquiry)
    other = inquiry.deliveries.exclude(pk=uncertain.pk).get()
    assert other.state == "sent"


def test_a_worker_killed_before_it_claimed_anything_leaves_the_emails_to_the_next_one(
    submit_inquiry, task_queue, smtp_server, worker_process
):
    inquiry = submit_inquiry()
    deliveries = list(inquiry.deliveries.all())
    # The emails are not due yet (as for a retry), so the first worker starts and only waits.
    for delivery in deliveries:
        send_tasks(delivery).update(run_after=timezone.now() + timedelta(hours=1))
    worker = worker_process(batch=False)
    recovery_ran = DBTaskResult.objects.filter(
        task_path=tasks.recover_deliveries.module_path, status="SUCCESSFUL"
    )
    wait_for(recovery_ran.exists, what="the worker to start and run its first task")
    worker.send_signal(signal.SIGKILL)
    assert worker.wait(timeout=10) == -signal.SIGKILL

    for delivery in deliveries:
        delivery.refresh_from_db()
        assert (delivery.state, delivery.attempts, delivery.claimed_at) == ("pending", 0, None)
    assert smtp_server.received == []

    for delivery in deliveries:
        send_tasks(delivery).update(run_after=timezone.now() - timedelta(seconds=1))
    worker_process.run()
    assert_each_sent_once(smtp_server, inquiry)
    worker_process.run()
    assert_each_sent_once(smtp_server, inquiry)
    assert set(inquiry.deliveries.values_list("state", flat=True)) == {"sent"}


@pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="two workers at once need row locks (SELECT ... FOR UPDATE): PostgreSQL only; "
    "run with DATABASE_URL=postgres://...",
)
def test_two_workers_at_once_never_send_the_same_email_twice(
    submit_inquiry, task_queue, smtp_server
):
    inquiries = [submit_inquiry(email=f"patient{n}@example.org") for n in range(3)]
    deliveries = list(EmailDelivery.objects.filter(inquiry__in=inquiries))
    assert len(deliveries) == 6

    for delivery in deliveries:
        outcomes = at_once(functools.partial(tasks.deliver, delivery.pk))

        assert sorted(outcomes) == ["nothing to do", "sent"]

    ids = smtp_server.message_ids()
    assert len(ids) == 6
    assert len(set(ids)) == 6
    assert set(EmailDelivery.objects.values_list("state", flat=True)) == {"sent"}
