"""The access log answers who saw which patient's data, and when (SPEC §8 and §14)."""

import importlib
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from inquiries.models import InquiryAccess
from tests.inquiries.admin import ACCESS_LOG, CHANGELIST, change_url, listed
from tests.pages import Page, admin_readonly, admin_rows, form_data, hrefs

Action = InquiryAccess.Action


def events(**filters):
    return list(InquiryAccess.objects.filter(**filters).select_related("inquiry"))


def log_rows(response):
    """(username, action, reference) for each row of the access log list, in the order shown."""
    return [(row["username"], row["action"], row["inquiry_link"]) for row in admin_rows(response)]


def log_on_the_inquiry_page(response):
    """(who, what) for each event in the access log box of an inquiry page, and its text."""
    log = admin_readonly(response, "access_log")
    rows = [[td.text for td in row.find_all("td")] for row in log.find_all("tr")]
    return [(who, what) for _, who, what in filter(None, rows)], log.text


# What is recorded


def test_every_opening_of_an_inquiry_page_is_recorded(staff_client, staff, make_inquiry):
    inquiry = make_inquiry()
    other = make_inquiry()
    before = timezone.now()

    staff_client.get(change_url(inquiry))
    staff_client.get(change_url(inquiry))

    views = events(action=Action.VIEWED)
    assert [access.inquiry for access in views] == [inquiry, inquiry]
    for access in views:
        assert (access.user, access.username) == (staff, staff.username)
        assert before <= access.at <= timezone.now()
    assert not events(inquiry=other)


def test_every_view_of_the_list_records_the_references_shown(staff_client, staff, make_inquiry):
    shown = [make_inquiry(name=f"Patient {n}") for n in range(3)]

    assert sorted(listed(staff_client)) == sorted(i.reference for i in shown)
    listed(staff_client)

    listings = events(action=Action.LISTED)
    assert len(listings) == 6
    assert sorted(a.inquiry.reference for a in listings) == sorted([i.reference for i in shown] * 2)
    assert {(a.user, a.username) for a in listings} == {(staff, staff.username)}


def test_a_search_records_the_references_found_never_the_search_words(staff_client, make_inquiry):
    found = make_inquiry(name="Ada Lovelace", email="ada.lovelace@example.org")
    make_inquiry(name="Grace Hopper", email="grace@example.net")

    for query in ["?q=Lovelace", "?q=ada.lovelace%40example.org&status__exact=new"]:
        assert listed(staff_client, query) == [found.reference]

    listings = events(action=Action.LISTED)
    assert [a.inquiry for a in listings] == [found, found]
    rows = InquiryAccess.objects.values()
    stored = " ".join(str(value) for row in rows for value in row.values())
    for word in ["Lovelace", "lovelace", "ada.", "example.org", "status"]:
        assert word not in stored


def test_a_list_page_records_only_the_inquiries_on_that_page(staff_client, make_inquiry):
    now = timezone.now()
    inquiries = [make_inquiry(created_at=now - timedelta(minutes=n)) for n in range(53)]

    first_page = listed(staff_client)
    recorded_first = {a.inquiry.reference for a in events(action=Action.LISTED)}
    second_page = listed(staff_client, "?p=2")

    assert len(first_page) == 50 and len(second_page) == 3
    assert recorded_first == set(first_page)
    assert sorted(a.inquiry.reference for a in events(action=Action.LISTED)) == sorted(
        i.reference for i in inquiries
    )


def test_an_empty_list_records_nothing(staff_client):
    assert listed(staff_client) == []
    assert not InquiryAccess.objects.exists()


def test_the_user_name_stays_when_the_user_is_deleted(client, superuser, coordinator, make_inquiry):
    inquiry = make_inquiry()
    client.force_login(coordinator)
    client.get(CHANGELIST)
    client.get(change_url(inquiry))

    coordinator.delete()

    accesses = events(inquiry=inquiry)
    assert {(a.action, a.user, a.username) for a in accesses} == {
        (Action.LISTED, None, "coordinator"),
        (Action.VIEWED, None, "coordinator"),
    }
    client.force_login(superuser)
    assert ("coordinator", "Viewed", inquiry.reference) in log_rows(client.get(ACCESS_LOG))
    assert log_rows(client.get(ACCESS_LOG, {"username": "coordinator"})) == [
        ("coordinator", "Viewed", inquiry.reference),
        ("coordinator", "Listed", inquiry.reference),
    ]


def test_the_migration_copies_the_user_name_of_earlier_events(make_inquiry, coordinator):
    inquiry = make_inquiry()
    kept, orphan = InquiryAccess.objects.record(coordinator, Action.VIEWED, [inquiry, inquiry])
    InquiryAccess.objects.filter(pk=kept.pk).update(username="")
    InquiryAccess.objects.filter(pk=orphan.pk).update(username="", user=None)
    migration = importlib.import_module("inquiries.migrations.0004_access_log_and_erasure")
    state = MigrationExecutor(connection).loader.project_state(
        ("inquiries", "0004_access_log_and_erasure"), at_end=True
    )

    migration.fill_usernames(state.apps, None)

    assert InquiryAccess.objects.get(pk=kept.pk).username == "coordinator"
    assert InquiryAccess.objects.get(pk=orphan.pk).username == ""


# On the inquiry page


def test_the_access_log_on_an_inquiry_page_is_for_superusers_only(
    client, superuser, coordinator, make_inquiry
):
    inquiry = make_inquiry()
    client.force_login(coordinator)
    client.get(change_url(inquiry))

    coordinator_page = client.get(change_url(inquiry))
    client.force_login(superuser)
    superuser_page = client.get(change_url(inquiry))

    assert "Access log" not in coordinator_page.content.decode()
    assert not [href for href in hrefs(coordinator_page) if href.startswith(ACCESS_LOG)]
    assert "Access log (superusers only)" in superuser_page.content.decode()
    events, _ = log_on_the_inquiry_page(superuser_page)
    who = [superuser.username, coordinator.username, coordinator.username]
    assert events == [(username, "Viewed") for username in who]


def test_the_inquiry_page_shows_the_latest_20_events_and_links_to_the_rest(
    superuser_client, superuser, coordinator, make_inquiry
):
    inquiry = make_inquiry()
    for _ in range(24):
        InquiryAccess.objects.record(coordinator, Action.LISTED, [inquiry])

    response = superuser_client.get(change_url(inquiry))

    events, text = log_on_the_inquiry_page(response)
    assert events == [(superuser.username, "Viewed")] + [("coordinator", "Listed")] * 19
    assert "The latest 20 of 25 events." in text
    full_log = f"{ACCESS_LOG}?reference={inquiry.reference}"
    assert full_log in [
        a.attrs["href"] for a in admin_readonly(response, "access_log").find_all("a")
    ]
    assert len(log_rows(superuser_client.get(full_log))) == 25


# The whole log, for superusers


@pytest.mark.parametrize(
    ("persona", "sees"),
    [
        ("superuser", True),
        ("coordinator", False),
        ("privacy_officer", False),
        ("content_editor", False),
    ],
)
def test_the_access_log_list_is_for_superusers_only(
    request, client, coordinator, make_inquiry, persona, sees
):
    inquiry = make_inquiry()
    [access] = InquiryAccess.objects.record(coordinator, Action.VIEWED, [inquiry])
    client.force_login(request.getfixturevalue(persona))

    pages = [client.get(ACCESS_LOG), client.get(f"{ACCESS_LOG}{access.pk}/change/")]

    assert [page.status_code for page in pages] == ([200, 200] if sees else [403, 403])
    assert (ACCESS_LOG in hrefs(client.get("/admin/"))) is sees
    if sees:
        assert log_rows(pages[0]) == [("coordinator", "Viewed", inquiry.reference)]


def test_the_access_log_filters_by_user_and_by_inquiry(
    superuser_client, coordinator, privacy_officer, make_inquiry
):
    first, second = make_inquiry(), make_inquiry()
    InquiryAccess.objects.record(coordinator, Action.VIEWED, [first])
    InquiryAccess.objects.record(coordinator, Action.LISTED, [first, second])
    InquiryAccess.objects.record(privacy_officer, Action.ERASED, [second])

    response = superuser_client.get(ACCESS_LOG)
    assert {"?username=coordinator", "?username=privacy"} <= set(hrefs(response))
    assert form_data(response, None) == {"reference": [""]}

    by_user = log_rows(superuser_client.get(ACCESS_LOG, {"username": "coordinator"}))
    assert sorted(by_user) == sorted(
        [
            ("coordinator", "Listed", first.reference),
            ("coordinator", "Listed", second.reference),
            ("coordinator", "Viewed", first.reference),
        ]
    )
    by_inquiry = log_rows(superuser_client.get(ACCESS_LOG, {"reference": second.reference}))
    assert by_inquiry == [
        ("privacy", "Erased personal data", second.reference),
        ("coordinator", "Listed", second.reference),
    ]
    # A reference typed in lower case, with spaces around it, finds the same.
    typed = f"  {second.reference.lower()} "
    assert len(log_rows(superuser_client.get(ACCESS_LOG, {"reference": typed}))) == 2
    both = {"reference": first.reference, "username": "privacy"}
    assert log_rows(superuser_client.get(ACCESS_LOG, both)) == []
    assert log_rows(superuser_client.get(ACCESS_LOG, {"reference": "INQ-NOSUCH"})) == []


def test_the_reference_box_keeps_the_other_filters(superuser_client, coordinator, make_inquiry):
    InquiryAccess.objects.record(coordinator, Action.VIEWED, [make_inquiry()])

    page = superuser_client.get(ACCESS_LOG, {"username": "coordinator", "action__exact": "viewed"})

    assert form_data(page, None) == {
        "username": ["coordinator"],
        "action__exact": ["viewed"],
        "reference": [""],
    }


def test_the_access_log_list_is_paginated(superuser_client, coordinator, make_inquiry):
    inquiries = [make_inquiry() for _ in range(3)]
    for _ in range(50):
        InquiryAccess.objects.record(coordinator, Action.LISTED, inquiries)

    assert len(log_rows(superuser_client.get(ACCESS_LOG))) == 100
    assert len(log_rows(superuser_client.get(ACCESS_LOG, {"p": "2"}))) == 50
    assert "150 inquiry access log" in superuser_client.get(ACCESS_LOG).content.decode()


def test_nobody_can_add_change_or_delete_the_access_log(client, superuser, make_inquiry):
    inquiry = make_inquiry()
    client.force_login(superuser)
    client.get(change_url(inquiry))
    access = InquiryAccess.objects.get(inquiry=inquiry)

    assert client.get(f"{ACCESS_LOG}{access.pk}/delete/").status_code == 403
    assert client.post(f"{ACCESS_LOG}{access.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get(f"{ACCESS_LOG}add/").status_code == 403
    response = client.post(f"{ACCESS_LOG}{access.pk}/change/", {"username": "someone-else"})
    assert response.status_code == 403
    assert not Page(client.get(ACCESS_LOG)).find_all(value="delete_selected")
    assert InquiryAccess.objects.get(pk=access.pk).username == superuser.username


@pytest.mark.parametrize(
    "params",
    [
        {"reference": "INQ-\x00"},
        {"reference": "x" * 5000},
        {"reference": "INQ-' OR 1=1 --"},
        {"username": "coordinator\x00"},
        {"action__exact": "\x00"},
    ],
    ids=["nul", "long", "quote", "nul-user", "nul-action"],
)
def test_bad_filter_values_give_a_page_never_an_error(
    superuser_client, coordinator, make_inquiry, params
):
    InquiryAccess.objects.record(coordinator, Action.VIEWED, [make_inquiry()])

    for url in [ACCESS_LOG, CHANGELIST]:
        response = superuser_client.get(url, params)

        assert response.status_code in (200, 302, 400), url
        if response.status_code == 200 and url == ACCESS_LOG:
            assert log_rows(response) == []
    assert superuser_client.get(CHANGELIST, {"q": "Ada\x00"}).status_code == 400
