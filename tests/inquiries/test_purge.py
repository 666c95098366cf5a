"""`manage.py purge_inquiries`: personal data is kept only as long as needed (SPEC §8)."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from inquiries.models import EmailDelivery, Inquiry, InquiryAccess, InquiryNote, StatusChange
from tests.inquiries.admin import PERSONAL

KEPT = [
    "reference", "status", "created_at", "status_changed_at", "first_contacted_at",
    "consent_at", "consent_version", "condition_id",
]  # fmt: skip


def purge(*args):
    out = io.StringIO()
    call_command("purge_inquiries", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def inquiry_aged(make_inquiry, coordinator):
    """An inquiry with personal data, a note and an email, in `status` for `days` days."""

    def make(status, days, **fields):
        changed = timezone.now() - timedelta(days=days)
        values = {
            **PERSONAL,
            "status": status,
            "created_at": changed - timedelta(days=3),
            "status_changed_at": changed,
        }
        inquiry = make_inquiry(**{**values, **fields})
        InquiryNote.objects.create(inquiry=inquiry, author=coordinator, text="Called Ada twice.")
        EmailDelivery.objects.create(
            inquiry=inquiry, kind=EmailDelivery.Kind.STAFF, state=EmailDelivery.State.FAILED,
            attempts=8, last_error="SMTPRecipientsRefused: ada@example.org",
        )  # fmt: skip
        return inquiry

    return make


def snapshot(inquiry):
    inquiry = Inquiry.objects.get(pk=inquiry.pk)
    return {field.attname: getattr(inquiry, field.attname) for field in Inquiry._meta.fields}


def assert_erased(inquiry, before):
    erased = Inquiry.objects.get(pk=inquiry.pk)
    for name in PERSONAL:
        assert getattr(erased, name) == "", name
    for name in KEPT:
        assert getattr(erased, name) == before[name], name
    assert erased.erased_at is not None
    assert "purge_inquiries" in erased.erased_by
    assert not erased.notes.exists()
    assert erased.deliveries.get().last_error == ""


def assert_untouched(inquiry, before):
    assert snapshot(inquiry) == before
    assert inquiry.notes.count() == 1


def test_dry_run_shows_the_counts_and_changes_nothing(inquiry_aged):
    due = [
        inquiry_aged(Inquiry.Status.CLOSED, 731),
        inquiry_aged(Inquiry.Status.CLOSED, 900),
        inquiry_aged(Inquiry.Status.SPAM, 1000),
    ]
    recent = inquiry_aged(Inquiry.Status.CLOSED, 10)
    before = {inquiry.pk: snapshot(inquiry) for inquiry in [*due, recent]}

    output = purge("--dry-run")

    assert "Would erase the personal data of 3 inquiry(ies) (2 closed, 1 spam)" in output
    assert "730 days" in output
    for inquiry in [*due, recent]:
        assert_untouched(inquiry, before[inquiry.pk])


def test_purge_erases_closed_and_spam_inquiries_past_the_retention_period(
    inquiry_aged, coordinator
):
    closed = inquiry_aged(Inquiry.Status.CLOSED, 731, first_contacted_at=timezone.now())
    spam = inquiry_aged(Inquiry.Status.SPAM, 2000)
    StatusChange.objects.create(
        inquiry=closed, changed_by=coordinator, from_status="new", to_status="closed"
    )
    before = {inquiry.pk: snapshot(inquiry) for inquiry in [closed, spam]}
    started = timezone.now()

    output = purge()

    assert "Erased the personal data of 2 inquiry(ies) (1 closed, 1 spam)" in output
    for inquiry in [closed, spam]:
        assert_erased(inquiry, before[inquiry.pk])
        erased = Inquiry.objects.get(pk=inquiry.pk)
        assert started <= erased.erased_at <= timezone.now()
        assert erased.erased_by == "purge_inquiries (retention 730 days)"
    # Kept for the statistics.
    assert closed.status_changes.count() == 1


@pytest.mark.parametrize(
    ("status", "days", "received"),
    [
        (Inquiry.Status.NEW, 3000, 3003),
        (Inquiry.Status.CONTACTED, 3000, 3003),
        (Inquiry.Status.SCHEDULED, 3000, 3003),
        (Inquiry.Status.CLOSED, 729, 732),
        (Inquiry.Status.SPAM, 729, 732),
        (Inquiry.Status.CLOSED, 0, 3),
        # The retention period counts from closing, not from receipt.
        (Inquiry.Status.CLOSED, 30, 1100),
    ],
)
def test_purge_leaves_open_and_recently_closed_inquiries_alone(
    inquiry_aged, status, days, received
):
    kept = inquiry_aged(status, days, created_at=timezone.now() - timedelta(days=received))
    before = snapshot(kept)

    assert "Erased the personal data of 0 inquiry(ies)" in purge()

    assert_untouched(kept, before)


def test_the_retention_period_comes_from_the_setting(inquiry_aged, settings):
    settings.INQUIRY_RETENTION_DAYS = 30
    due = inquiry_aged(Inquiry.Status.CLOSED, 31)
    kept = inquiry_aged(Inquiry.Status.SPAM, 29)
    before_due, before_kept = snapshot(due), snapshot(kept)

    assert "Would erase the personal data of 1 inquiry(ies) (1 closed)" in purge("--dry-run")
    output = purge()

    assert "Erased the personal data of 1 inquiry(ies) (1 closed)" in output
    assert "30 days" in output
    assert_erased(due, before_due)
    assert Inquiry.objects.get(pk=due.pk).erased_by == "purge_inquiries (retention 30 days)"
    assert_untouched(kept, before_kept)


def test_purge_needs_no_user_and_records_its_erasures_in_the_access_log(inquiry_aged):
    due = inquiry_aged(Inquiry.Status.CLOSED, 731)
    waiting = EmailDelivery.objects.create(inquiry=due, kind=EmailDelivery.Kind.ACKNOWLEDGEMENT)

    purge()

    [erasure] = InquiryAccess.objects.all()
    assert (erasure.inquiry, erasure.action) == (due, InquiryAccess.Action.ERASED)
    assert (erasure.user, erasure.username) == (None, "purge_inquiries (retention 730 days)")
    waiting.refresh_from_db()
    assert waiting.state == EmailDelivery.State.CANCELLED


def test_a_second_run_erases_nothing_more(inquiry_aged):
    erased = inquiry_aged(Inquiry.Status.CLOSED, 800)
    purge()
    after_first = snapshot(erased)

    output = purge()

    assert "Erased the personal data of 0 inquiry(ies) (none)" in output
    assert snapshot(erased) == after_first
    assert "Would erase the personal data of 0 inquiry(ies) (none)" in purge("--dry-run")
