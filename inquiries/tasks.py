"""Sending inquiry emails in the background, exactly once each.

Each email has an EmailDelivery row. A task run claims the row, opens the SMTP connection, marks
the row "sending", sends, and marks it "sent". So:
- a task that runs twice, or two workers at once, find the row claimed or sent and do nothing;
- an SMTP failure leaves the row pending with the error, and a retry is queued with backoff;
- a worker that dies before sending leaves a stale claim, and the email is retried;
- a worker that dies while sending leaves the row "sending", and a connection lost while sending
  (after the server may have taken the message) gives no answer: either way whether the email
  left is unknown, so it is marked failed for a person to check and re-send, never sent again
  automatically;
- a server that takes the staff email but refuses some of its addresses: the email counts as
  sent, with the refused addresses recorded as its last error;
- erasing an inquiry's personal data cancels its emails not yet sent, in the same transaction,
  so the erasure and a worker meet on the delivery row: a claim waiting on the erasure's lock
  then finds the email cancelled and stops, and a worker that claimed it just before finds it
  cancelled when it comes to mark it "sending" (a conditional update). So no email leaves after
  the erasure, and none ever leaves with blank fields.
"""

import logging
import re
import smtplib
from datetime import timedelta

from django.core import mail
from django.db import transaction
from django.db.models import Q
from django.tasks import default_task_backend, task
from django.utils import timezone

from inquiries import emails
from inquiries.models import NOTIFICATIONS, EmailDelivery, Reply

logger = logging.getLogger(__name__)

# The wait after each failed attempt: 8 attempts over about 4 hours, the first retry after 30 s.
RETRY_DELAYS = [
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Longer than any SMTP conversation can take (the SMTP timeout is 20 s).
CLAIM_LEASE = timedelta(minutes=10)
RECOVERY_INTERVAL = timedelta(minutes=5)
UNCERTAIN = (
    "Sending stopped half-way, so this email may or may not have been delivered. "
    "Check with the recipient before re-sending."
)

EMAIL_ADDRESS = re.compile(r"[^\s<>()\[\]'\"@,;:]+@[^\s<>()\[\]'\",;:]+")

State = EmailDelivery.State


@task
def send_inquiry_email(delivery_id):
    return deliver(delivery_id)


@task
def recover_deliveries():
    """Runs every few minutes on the worker: re-queues emails whose task was lost."""
    recovered = recover_stalled_deliveries()
    schedule(recover_deliveries, timezone.now() + RECOVERY_INTERVAL)
    return recovered


def schedule(a_task, when, *args):
    if default_task_backend.supports_defer:
        a_task.using(run_after=when).enqueue(*args)
    elif when <= timezone.now():
        a_task.enqueue(*args)
    # Otherwise (in-process tasks under `make run`) the delivery stays pending for a re-send.


def queue_deliveries(inquiry):
    """Create the inquiry's two deliveries and queue their tasks; call inside its transaction."""
    for kind in NOTIFICATIONS:
        delivery = EmailDelivery.objects.create(inquiry=inquiry, kind=kind)
        send_inquiry_email.enqueue(delivery.pk)


def queue_reply(inquiry, **reply_fields):
    """Save a reply with its delivery and queue it; call inside a transaction."""
    delivery = EmailDelivery.objects.create(inquiry=inquiry, kind=EmailDelivery.Kind.REPLY)
    reply = Reply.objects.create(inquiry=inquiry, delivery=delivery, **reply_fields)
    send_inquiry_email.enqueue(delivery.pk)
    return reply


def requeue(delivery, *, resend_sent=False):
    """Queue a delivery again (the admin's "re-send"); a sent email only when asked explicitly."""
    with transaction.atomic():
        delivery = EmailDelivery.objects.select_for_update().get(pk=delivery.pk)
        if delivery.state == State.CANCELLED:
            return False  # its inquiry was erased: there is nothing left to send
        if delivery.state == State.SENT and not resend_sent:
            return False
        if delivery.claimed_at and delivery.claimed_at > timezone.now() - CLAIM_LEASE:
            return False  # a worker is on it right now; a second one could send it twice
        delivery.state = State.PENDING
        delivery.attempts = 0
        delivery.claimed_at = None
        delivery.next_attempt_at = timezone.now()
        delivery.save(update_fields=["state", "attempts", "claimed_at", "next_attempt_at"])
        send_inquiry_email.enqueue(delivery.pk)
    return True


def _claim(delivery_id):
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            # Lock only the delivery row: the inquiry's condition is an outer join.
            EmailDelivery.objects.select_for_update(of=("self",))
            .select_related("inquiry", "inquiry__condition")
            .filter(pk=delivery_id, state=State.PENDING, next_attempt_at__lte=now)
            .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_LEASE))
            .first()
        )
        if delivery is None:
            return None
        # An inquiry erased before erasing cancelled its emails: nothing left to send.
        if delivery.inquiry_id and delivery.inquiry.is_erased:
            _mark(delivery, state=State.CANCELLED, claimed_at=None)
            return None
        delivery.claimed_at = now
        delivery.attempts += 1
        delivery.save(update_fields=["claimed_at", "attempts"])
    return delivery


def _mark(delivery, **fields):
    for name, value in fields.items():
        setattr(delivery, name, value)
    delivery.save(update_fields=list(fields))


def deliver(delivery_id):
    delivery = _claim(delivery_id)
    if delivery is None:
        return "nothing to do"
    try:
        message = emails.build(delivery)
        connection = mail.mailers.default
        connection.open()
    except Exception as error:
        return _failed(delivery, error)
    if not _start_sending(delivery):
        _close_quietly(connection)
        logger.info("Cancelled %s email for inquiry id=%s", delivery.kind, delivery.inquiry_id)
        return "cancelled"
    try:
        connection.send_messages([message])
    except Exception as error:
        _close_quietly(connection)
        if _outcome_unknown(error):
            _mark(delivery, state=State.FAILED, last_error=f"{UNCERTAIN} ({describe(error)})")
            logger.error(
                "Delivery of %s email for inquiry id=%s is uncertain",
                delivery.kind,
                delivery.inquiry_id,
            )
            return "uncertain"
        return _failed(delivery, error)
    refused = getattr(connection, "refused_recipients", {})
    _mark(
        delivery,
        state=State.SENT,
        sent_at=timezone.now(),
        last_error=_partly_refused(refused),
        claimed_at=None,
    )
    _close_quietly(connection)
    logger.info("Sent %s email for inquiry id=%s", delivery.kind, delivery.inquiry_id)
    return "sent"


def _start_sending(delivery):
    """Mark the claimed delivery "sending", unless an erasure cancelled it since the claim."""
    started = EmailDelivery.objects.filter(
        pk=delivery.pk, state=State.PENDING, claimed_at=delivery.claimed_at
    ).update(state=State.SENDING)
    if started:
        delivery.state = State.SENDING
    return started == 1


def _outcome_unknown(error):
    """True when the connection failed mid-conversation: the server may have taken the message.

    A reply with an error code is a clear refusal, so a retry is safe; a lost connection or a
    timeout after the message went out is not, and a retry could deliver a second copy.
    """
    if isinstance(error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused):
        return False
    return isinstance(error, OSError)


def _partly_refused(refused):
    if not refused:
        return ""
    codes = sorted({code for code, _ in refused.values()})
    # Only the staff email has several recipients, and those are the clinic's own addresses.
    return f"Sent, but the mail server refused {', '.join(sorted(refused))} (codes {codes})"


def describe(error):
    """The error for logs and admin, without the addresses a server may echo back."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in error.recipients.values()})
        return f"SMTPRecipientsRefused: the mail server refused the recipient (codes {codes})"
    return EMAIL_ADDRESS.sub("[address]", f"{type(error).__name__}: {error}")[:1000]


def _close_quietly(connection):
    # The email's fate is already recorded; a failing QUIT must not change it.
    try:
        connection.close()
    except Exception:
        logger.warning("Could not close the SMTP connection cleanly", exc_info=True)


def _failed(delivery, error):
    """Record the error; queue a retry, or give up after the last attempt."""
    text = describe(error)
    with transaction.atomic():
        state = EmailDelivery.objects.select_for_update().values_list("state", flat=True)
        if state.get(pk=delivery.pk) == State.CANCELLED:
            return "cancelled"  # erased while this attempt was failing: no retry
        if delivery.attempts >= MAX_ATTEMPTS:
            _mark(delivery, state=State.FAILED, last_error=text, claimed_at=None)
            logger.error(
                "Gave up on %s email for inquiry id=%s after %s attempts: %s",
                delivery.kind, delivery.inquiry_id, delivery.attempts, text,
            )  # fmt: skip
            return "failed"
        retry_at = timezone.now() + RETRY_DELAYS[delivery.attempts - 1]
        _mark(
            delivery,
            state=State.PENDING,
            last_error=text,
            claimed_at=None,
            next_attempt_at=retry_at,
        )
        schedule(send_inquiry_email, retry_at, delivery.pk)
    logger.warning(
        "Could not send %s email for inquiry id=%s (attempt %s), retrying at %s: %s",
        delivery.kind, delivery.inquiry_id, delivery.attempts, retry_at.isoformat(), text,
    )  # fmt: skip
    return "retrying"


def recover_stalled_deliveries():
    """Deal with deliveries a dead worker left behind; returns how many were re-queued."""
    stale = timezone.now() - CLAIM_LEASE
    EmailDelivery.objects.filter(state=State.SENDING, claimed_at__lt=stale).update(
        state=State.FAILED, last_error=UNCERTAIN, claimed_at=None
    )
    lost = EmailDelivery.objects.filter(state=State.PENDING, next_attempt_at__lt=stale).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    )
    ids = list(lost.values_list("pk", flat=True))
    for delivery_id in ids:
        send_inquiry_email.enqueue(delivery_id)
    return len(ids)
