"""Coordinators work on one inquiry in Django admin: what its page shows, what they may change,
the history and notes it keeps (SPEC §8, "Staff in Django admin")."""

import html
from datetime import timedelta

import pytest
from django.utils import timezone

from inquiries.models import EmailDelivery, Inquiry, InquiryNote, StatusChange
from tests.inquiries.admin import CHANGELIST, PERSONAL, change_url, changelist_rows, delivery
from tests.pages import Page, admin_readonly, form_data

SCRIPT = "<script>alert('pwned')</script>"


def save_change_form(client, inquiry, **changes):
    """Open the change page as a browser does, change some fields and save."""
    data = form_data(client.get(change_url(inquiry)), "inquiry_form")
    for name, value in changes.items():
        data[name.replace("__", "-")] = [value]
    response = client.post(change_url(inquiry), data)
    errors = Page(response).find_all("ul", has_class="errorlist")
    assert response.status_code == 302, [error.text for error in errors]
    return response


def shown(response, field):
    return admin_readonly(response, field).text


# What the page shows


def test_the_change_page_shows_what_was_submitted_read_only(
    staff_client, make_inquiry, make_condition
):
    inquiry = make_inquiry(
        **PERSONAL, condition=make_condition(name="Lupus"), source_page="/conditions/sle/"
    )

    response = staff_client.get(change_url(inquiry))

    submitted = {**PERSONAL, "condition": "Lupus", "source_page": "/conditions/sle/"}
    del submitted["ip_hash"]  # never shown
    fields = form_data(response, "inquiry_form")
    for name, value in {**submitted, "reference": inquiry.reference}.items():
        assert shown(response, name) == value
        assert name not in fields
    assert fields["status"] == ["new"]
    assert fields["assigned_to"] == [""]


def test_posting_new_submitted_fields_changes_nothing(staff_client, make_inquiry):
    inquiry = make_inquiry(name="Ada Lovelace", email="ada@example.org", message="The original.")

    save_change_form(
        staff_client,
        inquiry,
        name="Mallory",
        email="mallory@evil.example",
        message="Rewritten by someone.",
        reference="INQ-AAAAAA",
        phone="+1 555 0100",
    )

    inquiry.refresh_from_db()
    assert (inquiry.name, inquiry.email, inquiry.message, inquiry.phone) == (
        "Ada Lovelace",
        "ada@example.org",
        "The original.",
        "",
    )
    assert inquiry.reference.startswith("INQ-") and inquiry.reference != "INQ-AAAAAA"


def test_earlier_inquiries_from_the_same_person_are_linked(staff_client, make_inquiry):
    now = timezone.now()
    same_email = make_inquiry(
        email="Ada.Lovelace@Example.org", phone="", created_at=now - timedelta(days=30)
    )
    same_phone = make_inquiry(
        email="ada.work@example.com", phone="+44 20 7946 0000", created_at=now - timedelta(days=9)
    )
    make_inquiry(email="grace@example.net", phone="+1 555 0100 200")
    inquiry = make_inquiry(email="ada.lovelace@example.org", phone="+44 20 7946 0000")

    earlier = admin_readonly(staff_client.get(change_url(inquiry)), "earlier_inquiries")

    assert [(link.attrs["href"], link.text) for link in earlier.find_all("a")] == [
        (change_url(same_phone), same_phone.reference),
        (change_url(same_email), same_email.reference),
    ]


def test_the_same_phone_number_written_differently_is_the_same_person(staff_client, make_inquiry):
    international = make_inquiry(email="ada.work@example.com", phone="+44 20 7946 0000")
    national = make_inquiry(email="a.l@example.org", phone="020 7946-0000")
    other_number = make_inquiry(email="grace@example.net", phone="020 7946 0001")
    inquiry = make_inquiry(email="ada@example.org", phone="(0044) 20.7946.0000")

    earlier = shown(staff_client.get(change_url(inquiry)), "earlier_inquiries")

    assert international.reference in earlier
    assert national.reference in earlier
    assert other_number.reference not in earlier


def test_an_inquiry_from_someone_new_has_no_earlier_inquiries(staff_client, make_inquiry):
    make_inquiry(email="grace@example.net", phone="+1 555 0100 200")
    inquiry = make_inquiry(email="ada@example.org", phone="")

    assert shown(staff_client.get(change_url(inquiry)), "earlier_inquiries") == "None."


def test_a_failed_notification_shows_its_last_error(staff_client, make_inquiry):
    inquiry = make_inquiry()
    error = "SMTPServerDisconnected: Connection unexpectedly closed"
    delivery(inquiry, state=EmailDelivery.State.FAILED, attempts=8, last_error=error)
    delivery(
        inquiry, EmailDelivery.Kind.ACKNOWLEDGEMENT, state=EmailDelivery.State.SENT, attempts=1,
        sent_at=timezone.now(),
    )  # fmt: skip

    response = staff_client.get(change_url(inquiry))

    assert shown(response, "notifications") == f"failed after 8 attempt(s): {error}"
    page = Page(response)
    assert "Failed" in [td.text for td in page.find_all("td", has_class="field-state")]
    assert error in [td.text for td in page.find_all("td", has_class="field-last_error")]
    assert changelist_rows(staff_client.get(CHANGELIST))[inquiry.reference]["notifications"] == (
        f"failed after 8 attempt(s): {error}"
    )


def test_a_notification_waiting_for_a_retry_says_so(staff_client, make_inquiry):
    inquiry = make_inquiry()
    delivery(inquiry, state=EmailDelivery.State.PENDING, attempts=2, last_error="Refused")

    response = staff_client.get(change_url(inquiry))

    assert shown(response, "notifications") == "pending (attempt 2 failed, retrying)"


def test_stored_script_text_is_shown_escaped(staff_client, staff, make_inquiry):
    inquiry = make_inquiry(
        name=SCRIPT, country=SCRIPT, message=SCRIPT, referrer=SCRIPT, utm_campaign=SCRIPT
    )
    InquiryNote.objects.create(inquiry=inquiry, author=staff, text=SCRIPT)
    delivery(inquiry, state=EmailDelivery.State.FAILED, attempts=8, last_error=SCRIPT)
    escaped = html.escape(SCRIPT)

    for response in [staff_client.get(change_url(inquiry)), staff_client.get(CHANGELIST)]:
        page = response.content.decode()
        assert response.status_code == 200
        assert "<script>alert(" not in page
        assert escaped in page or escaped.replace("&#x27;", "&#39;") in page
    change_page = staff_client.get(change_url(inquiry)).content.decode()
    assert change_page.count("&lt;script&gt;alert(") >= 7


# Status and assignment


def test_status_and_assignment_are_saved_from_the_change_page(staff_client, staff, make_inquiry):
    inquiry = make_inquiry()

    save_change_form(staff_client, inquiry, status="scheduled", assigned_to=str(staff.pk))

    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.SCHEDULED
    assert inquiry.assigned_to == staff


def test_only_active_staff_can_be_assigned(staff_client, staff, make_inquiry, django_user_model):
    patient = django_user_model.objects.create_user("patient-account")
    django_user_model.objects.create_user("former-colleague", is_staff=True, is_active=False)
    inquiry = make_inquiry()

    response = staff_client.get(change_url(inquiry))

    options = Page(response).find("select", name="assigned_to").find_all("option")
    offered = [option.text for option in options if option.attrs["value"]]
    assert staff.username in offered
    assert "patient-account" not in offered and "former-colleague" not in offered
    data = form_data(response, "inquiry_form")
    data["assigned_to"] = [str(patient.pk)]
    assert staff_client.post(change_url(inquiry), data).status_code == 200
    inquiry.refresh_from_db()
    assert inquiry.assigned_to is None


def test_saving_a_status_change_records_who_when_from_and_to(staff_client, staff, make_inquiry):
    inquiry = make_inquiry()
    before = timezone.now()

    save_change_form(staff_client, inquiry, status="contacted")

    [change] = StatusChange.objects.filter(inquiry=inquiry)
    assert (change.changed_by, change.from_status, change.to_status) == (
        staff,
        Inquiry.Status.NEW,
        Inquiry.Status.CONTACTED,
    )
    assert before <= change.changed_at <= timezone.now()
    inquiry.refresh_from_db()
    assert inquiry.status_changed_at == change.changed_at
    history = shown(staff_client.get(change_url(inquiry)), "status_history")
    when = timezone.localtime(change.changed_at).strftime("%d %b %Y %H:%M")
    assert history == f"When Who From To {when} {staff.username} New Contacted"


def test_saving_without_changing_the_status_records_no_history(staff_client, staff, make_inquiry):
    inquiry = make_inquiry()

    save_change_form(staff_client, inquiry, assigned_to=str(staff.pk))

    assert not StatusChange.objects.filter(inquiry=inquiry).exists()
    assert shown(staff_client.get(change_url(inquiry)), "status_history") == "No changes yet."


@pytest.mark.parametrize(
    ("status", "is_contact"),
    [("contacted", True), ("scheduled", True), ("closed", False), ("spam", False)],
)
def test_only_a_move_to_contacted_or_scheduled_sets_the_first_contact_time(
    staff_client, make_inquiry, status, is_contact
):
    inquiry = make_inquiry()
    before = timezone.now()

    save_change_form(staff_client, inquiry, status=status)

    inquiry.refresh_from_db()
    assert inquiry.status == status
    if is_contact:
        assert before <= inquiry.first_contacted_at <= timezone.now()
    else:
        assert inquiry.first_contacted_at is None


def test_later_status_changes_keep_the_first_contact_time(staff_client, make_inquiry):
    inquiry = make_inquiry()
    save_change_form(staff_client, inquiry, status="contacted")
    inquiry.refresh_from_db()
    first_contact = inquiry.first_contacted_at

    save_change_form(staff_client, inquiry, status="scheduled")
    save_change_form(staff_client, inquiry, status="new")
    save_change_form(staff_client, inquiry, status="contacted")

    inquiry.refresh_from_db()
    assert inquiry.first_contacted_at == first_contact
    moves = StatusChange.objects.filter(inquiry=inquiry).values_list("to_status", flat=True)
    assert list(moves) == ["contacted", "scheduled", "new", "contacted"]


# Notes


def test_a_note_added_inline_gets_its_author_and_time_automatically(
    staff_client, staff, make_inquiry, django_user_model
):
    inquiry = make_inquiry()
    someone_else = django_user_model.objects.create_user("someone-else", is_staff=True)
    before = timezone.now()

    save_change_form(
        staff_client,
        inquiry,
        notes__0__text="Called back, left a voicemail.",
        # Not fields of the form: a forged author or date must be ignored.
        notes__0__author=str(someone_else.pk),
        notes__0__created_at="2001-01-01 00:00:00",
    )

    [note] = InquiryNote.objects.filter(inquiry=inquiry)
    assert note.text == "Called back, left a voicemail."
    assert note.author == staff
    assert before <= note.created_at <= timezone.now()
    page = Page(staff_client.get(change_url(inquiry)))
    assert "Called back, left a voicemail." in [td.text for td in page.find_all("td")]
    assert staff.username in [td.text for td in page.find_all("td", has_class="field-author")]


def test_an_existing_note_cannot_be_edited_or_deleted(staff_client, staff, make_inquiry):
    inquiry = make_inquiry()
    written = timezone.now() - timedelta(days=1)
    note = InquiryNote.objects.create(
        inquiry=inquiry, author=staff, text="Patient prefers mornings.", created_at=written
    )

    page = Page(staff_client.get(change_url(inquiry)))
    assert not page.find_all(name="notes-0-text") and not page.find_all(name="notes-0-DELETE")
    save_change_form(
        staff_client, inquiry, notes__0__text="Rewritten history.", notes__0__DELETE="on"
    )

    note.refresh_from_db()
    assert (note.text, note.author, note.created_at) == (
        "Patient prefers mornings.",
        staff,
        written,
    )
    assert InquiryNote.objects.filter(inquiry=inquiry).count() == 1
