"""Coordinators find inquiries in Django admin's list: columns, order, filters and search (SPEC §8,
"Staff in Django admin")."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inquiries.models import EmailDelivery, Inquiry
from tests.inquiries.admin import CHANGELIST, changelist_rows, delivery, listed
from tests.pages import Page, admin_columns, hrefs


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

    assert list(admin_columns(response).items()) == [
        ("reference", "Reference"), ("created_at", "Received"), ("name", "Name"),
        ("condition", "Condition"), ("language", "Language"), ("status", "Status"),
        ("assigned_to", "Assigned to"), ("notifications", "Notifications"),
    ]  # fmt: skip
    sortable = Page(response).find_all("th", has_class="sortable")
    assert [th.named("column-") for th in sortable] == [
        "reference", "created_at", "name", "condition", "language", "status", "assigned_to",
    ]  # fmt: skip
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

    assert f"?condition__id__exact={lupus.pk}" in hrefs(staff_client.get(CHANGELIST))
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


def test_the_list_filters_by_language(staff_client, make_inquiry):
    spanish = make_inquiry(name="Ana García", language="es")
    make_inquiry(name="Ada Lovelace", language="en")

    assert "?language__exact=es" in hrefs(staff_client.get(CHANGELIST))
    assert listed(staff_client, "?language__exact=es") == [spanish.reference]


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
    assert f"?notification={state}" in hrefs(staff_client.get(CHANGELIST))

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

    links = Page(staff_client.get(CHANGELIST)).find_all("a")
    [past_week] = [link.attrs["href"] for link in links if link.text == "Past 7 days"]

    assert listed(staff_client, past_week) == [this_week.reference]


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
