"""The numbers coordinators see on the admin index (issue 4, item 3; SPEC §8)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from inquiries import stats
from inquiries.models import Inquiry
from tests.pages import Page

# A week in November 2026: Friday the 20th, the weekend, Monday the 23rd.
THURSDAY = datetime(2026, 11, 19, tzinfo=UTC)
FRIDAY = datetime(2026, 11, 20, tzinfo=UTC)
SATURDAY = datetime(2026, 11, 21, tzinfo=UTC)
SUNDAY = datetime(2026, 11, 22, tzinfo=UTC)
MONDAY = datetime(2026, 11, 23, tzinfo=UTC)
TUESDAY = datetime(2026, 11, 24, tzinfo=UTC)


def at(day, hour, minute=0):
    return day + timedelta(hours=hour, minutes=minute)


def dashboard_rows(response):
    """{row heading: cell text} of the inquiry box on the admin index."""
    assert response.status_code == 200
    box = Page(response).find("div", has_class="inquiry-dashboard")
    return {row.find("th").text: row.find("td").text for row in box.find_all("tr")}


def contacted(make_inquiry, received, after):
    return make_inquiry(
        created_at=received,
        status=Inquiry.Status.CONTACTED,
        status_changed_at=received + after,
        first_contacted_at=received + after,
    )


# One business day


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(TUESDAY, 11), at(MONDAY, 11)),
        (at(MONDAY, 9), at(FRIDAY, 9)),
        (at(MONDAY, 11), at(FRIDAY, 11)),
        (at(FRIDAY, 15, 30), at(THURSDAY, 15, 30)),
    ],
)
def test_one_business_day_before_skips_the_weekend(moment, expected):
    assert stats.one_business_day_before(moment) == expected


def test_only_new_inquiries_wait_for_a_first_contact(make_inquiry):
    make_inquiry(created_at=at(THURSDAY, 8))
    contacted(make_inquiry, at(THURSDAY, 8), timedelta(hours=30))
    for status in [Inquiry.Status.SCHEDULED, Inquiry.Status.CLOSED, Inquiry.Status.SPAM]:
        make_inquiry(created_at=at(THURSDAY, 8), status=status)

    numbers = stats.dashboard(now=at(MONDAY, 11))

    assert (numbers["new"], numbers["waiting"]) == (1, 1)


def test_a_friday_inquiry_waits_over_a_business_day_from_its_hour_on_monday(make_inquiry):
    make_inquiry(created_at=at(FRIDAY, 10))
    moments = [at(FRIDAY, 18), at(SATURDAY, 11), at(SUNDAY, 20), at(MONDAY, 9), at(MONDAY, 11)]

    numbers = [stats.dashboard(now=moment) for moment in moments]

    assert [n["new"] for n in numbers] == [1, 1, 1, 1, 1]
    assert [n["waiting"] for n in numbers] == [0, 0, 0, 0, 1]


def test_business_days_are_the_clinics_own_weekdays(make_inquiry, settings):
    settings.TIME_ZONE = "America/New_York"
    new_york = ZoneInfo("America/New_York")
    make_inquiry(created_at=datetime(2026, 11, 20, 21, tzinfo=new_york))  # a Friday
    seen = datetime(2026, 11, 23, 20, tzinfo=new_york).astimezone(UTC)  # the next Monday

    assert stats.dashboard(now=seen)["waiting"] == 0
    assert stats.dashboard(now=seen + timedelta(hours=2))["waiting"] == 1


# Median time to first contact


def test_the_median_time_to_first_contact_covers_the_last_30_days(make_inquiry):
    now = at(TUESDAY, 12)
    for hours in (1, 2, 5):
        contacted(make_inquiry, now - timedelta(days=3), timedelta(hours=hours))
    # Contacted 40 days ago after a long wait: outside the window.
    contacted(make_inquiry, now - timedelta(days=45), timedelta(days=5))
    make_inquiry(created_at=now - timedelta(days=2))

    numbers = stats.dashboard(now=now)

    assert numbers["median_first_contact"] == timedelta(hours=2)
    assert numbers["contacted_in_window"] == 3
    assert stats.duration(numbers["median_first_contact"]) == "2 h 0 min"


def test_the_median_of_an_even_number_of_waits_is_the_middle_average(make_inquiry):
    now = at(TUESDAY, 12)
    for minutes in (10, 20, 40, 600):
        contacted(make_inquiry, now - timedelta(days=1), timedelta(minutes=minutes))

    assert stats.dashboard(now=now)["median_first_contact"] == timedelta(minutes=30)


def test_without_first_contacts_there_is_no_median(make_inquiry):
    make_inquiry(created_at=at(MONDAY, 9))

    numbers = stats.dashboard(now=at(TUESDAY, 12))

    assert numbers["median_first_contact"] is None
    assert numbers["contacted_in_window"] == 0


@pytest.mark.parametrize(
    ("wait", "shown"),
    [
        (timedelta(minutes=12), "12 min"),
        (timedelta(hours=3, minutes=20), "3 h 20 min"),
        (timedelta(days=2, hours=3, minutes=59), "2 d 3 h"),
    ],
)
def test_a_wait_is_written_in_days_hours_and_minutes(wait, shown):
    assert stats.duration(wait) == shown


# On the admin index


@pytest.mark.parametrize("persona", ["coordinator", "superuser"])
def test_the_admin_index_shows_staff_the_inquiry_numbers(request, client, make_inquiry, persona):
    now = timezone.now()
    make_inquiry(created_at=now - timedelta(days=10))
    make_inquiry(created_at=now - timedelta(days=9))
    make_inquiry(created_at=now - timedelta(minutes=5))
    make_inquiry(created_at=now - timedelta(days=10), status=Inquiry.Status.SPAM)
    for hours in (1, 2, 5):
        contacted(make_inquiry, now - timedelta(days=2), timedelta(hours=hours))
    contacted(make_inquiry, now - timedelta(days=60), timedelta(days=3))
    client.force_login(request.getfixturevalue(persona))

    response = client.get("/admin/")

    assert dashboard_rows(response) == {
        "New inquiries": "3",
        "Waiting more than one business day for a first contact": "2",
        "Median time to first contact, last 30 days": "2 h 0 min (3 inquiries)",
    }
    assert Page(response).find("a", href="/admin/inquiries/inquiry/?status__exact=new").text == (
        "New inquiries"
    )


def test_the_admin_index_says_when_nobody_was_contacted_yet(client, coordinator, make_inquiry):
    make_inquiry()
    client.force_login(coordinator)

    rows = dashboard_rows(client.get("/admin/"))

    assert rows["New inquiries"] == "1"
    assert rows["Waiting more than one business day for a first contact"] == "0"
    assert rows["Median time to first contact, last 30 days"] == "No first contacts yet"


def test_a_content_editor_sees_no_inquiry_numbers(client, content_editor, make_inquiry):
    make_inquiry(created_at=timezone.now() - timedelta(days=10))
    client.force_login(content_editor)

    response = client.get("/admin/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "inquiry-dashboard" not in page
    assert "New inquiries" not in page
    assert "first contact" not in page
    assert "/admin/inquiries/" not in page
    assert "/admin/conditions/condition/" in page
