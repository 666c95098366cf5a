"""Staff sessions end on time, and ended sessions and old sign-in records are cleaned (SPEC §14)."""

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client

from clinic.signin import SIGNED_IN_AT

LOGIN = "/admin/login/"
INQUIRIES = "/admin/inquiries/inquiry/"
PASSWORD = "correct horse battery staple"
IDLE_MESSAGE = "You were signed out after 60 minutes without activity."


@pytest.fixture
def signed_in(client, coordinator, clock):
    """A coordinator's browser, signed in at the start of the clock."""
    client.force_login(coordinator)
    return client


def assert_signed_out(client, message):
    response = client.get(INQUIRIES)
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    assert message in client.get(response["Location"]).content.decode()


def test_a_staff_session_survives_59_minutes_between_requests(signed_in, clock):
    for _ in range(3):
        clock.shift(timedelta(minutes=59))
        assert signed_in.get(INQUIRIES).status_code == 200


def test_a_staff_session_ends_after_60_minutes_without_activity(signed_in, clock):
    assert signed_in.get(INQUIRIES).status_code == 200

    clock.shift(timedelta(minutes=60))

    assert_signed_out(signed_in, IDLE_MESSAGE)


def test_activity_on_public_pages_does_not_keep_a_staff_session_alive(signed_in, clock):
    clock.shift(timedelta(minutes=45))
    signed_in.get("/privacy/")
    clock.shift(timedelta(minutes=15))

    assert_signed_out(signed_in, IDLE_MESSAGE)


def test_a_staff_session_ends_8_hours_after_signing_in_however_busy(signed_in, clock):
    for _ in range(15):
        clock.shift(timedelta(minutes=30))
        assert signed_in.get(INQUIRIES).status_code == 200

    clock.shift(timedelta(minutes=30))

    assert_signed_out(signed_in, "You were signed out 8 hours after signing in.")


def test_the_session_length_is_a_setting(signed_in, clock, settings):
    settings.STAFF_SESSION_HOURS = 2
    clock.shift(timedelta(minutes=50))
    assert signed_in.get(INQUIRIES).status_code == 200
    clock.shift(timedelta(minutes=50))
    assert signed_in.get(INQUIRIES).status_code == 200

    clock.shift(timedelta(minutes=20))

    assert_signed_out(signed_in, "You were signed out 2 hours after signing in.")


def test_a_session_from_before_the_time_limits_is_ended(signed_in):
    session = signed_in.session
    del session[SIGNED_IN_AT]
    session.save()

    assert_signed_out(signed_in, "Please sign in again.")


def test_signing_in_again_starts_a_new_session(signed_in, clock, coordinator):
    clock.shift(timedelta(hours=3))
    assert_signed_out(signed_in, IDLE_MESSAGE)

    signed_in.force_login(coordinator)

    assert signed_in.get(INQUIRIES).status_code == 200


def test_public_pages_get_no_session_for_anonymous_visitors(client, db):
    for url in ("/", "/privacy/"):
        response = client.get(url)
        assert "sessionid" not in response.cookies, url
        assert "Cookie" not in response.get("Vary", ""), url
    assert "sessionid" not in client.get("/inquire/").cookies
    assert not Session.objects.exists()


def test_public_pages_do_not_read_the_session_of_a_visitor_who_has_one(client, db):
    client.cookies["sessionid"] = "a-patient-s-session"

    response = client.get("/privacy/")

    assert "Cookie" not in response.get("Vary", "")


# Cleaning up


@pytest.fixture
def staff_password(coordinator, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    coordinator.set_password(PASSWORD)
    coordinator.save()
    return PASSWORD


def sign_in(password, ip):
    Client().post(LOGIN, {"username": "coordinator", "password": password}, REMOTE_ADDR=ip)


def test_clean_auth_records_removes_ended_sessions_and_old_sign_in_records(staff_password, clock):
    sign_in(staff_password, ip="192.0.2.1")  # logged, and a session that will have ended
    clock.shift(timedelta(days=60))
    sign_in(staff_password, ip="192.0.2.3")  # the same, 31 days before the clean-up
    sign_in("wrong", ip="192.0.2.2")  # a failure that no later sign-in cleared
    clock.shift(timedelta(days=31) - timedelta(minutes=30))
    running = SessionStore()
    running["inquiries:reference"] = "INQ-3479AC"
    running.create()
    AccessAttempt.objects.create(
        username="coordinator",
        ip_address="192.0.2.4",
        user_agent="",
        http_accept="*/*",
        path_info=LOGIN,
        failures_since_start=1,
    )
    clock.shift(timedelta(minutes=30))
    output = io.StringIO()

    call_command("clean_auth_records", stdout=output)

    assert list(Session.objects.values_list("session_key", flat=True)) == [running.session_key]
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["192.0.2.4"]
    assert list(AccessLog.objects.values_list("ip_address", flat=True)) == ["192.0.2.3"]
    assert output.getvalue().strip() == (
        "Deleted 2 ended session(s), 1 old failed sign-in record(s) and 1 sign-in log entr(ies)."
    )
