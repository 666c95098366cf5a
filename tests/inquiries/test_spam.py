"""Spam: the honeypot and the signed fill-time token (SPEC §8, §10). The rate limit has
test_rate_limit."""

import datetime
import time

import pytest
from django.core import signing

from inquiries import form_token
from inquiries.models import EmailDelivery, Inquiry

THANKS = "/inquire/thanks/"
FORGED = "missing or forged form token"


def reference_shown(client):
    body = client.get(THANKS).content.decode()
    inquiry = Inquiry.objects.get()
    return inquiry.reference in body


def assert_spam(reason, mailoutbox):
    """One inquiry, stored as spam for `reason`, and no email queued or sent for it."""
    inquiry = Inquiry.objects.get()
    assert inquiry.status == Inquiry.Status.SPAM
    assert inquiry.spam_reason == reason
    assert mailoutbox == []
    assert EmailDelivery.objects.count() == 0
    return inquiry


# The honeypot


def test_filled_honeypot_is_stored_as_spam(client, valid_post, submit, settings, mailoutbox):
    settings.INQUIRY_MIN_SECONDS = 0

    response = submit(valid_post(website="https://cheap-pills.example"))

    assert response.status_code == 303
    assert response["Location"] == THANKS
    assert_spam("honeypot", mailoutbox)
    assert reference_shown(client)


def test_spam_sees_the_same_thanks_page_as_a_person(client, valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    submit(valid_post())
    person = client.get(THANKS).content.decode().replace(Inquiry.objects.get().reference, "REF")
    Inquiry.objects.all().delete()

    submit(valid_post(website="x"))
    bot = client.get(THANKS).content.decode().replace(Inquiry.objects.get().reference, "REF")

    assert bot == person


def test_honeypot_with_only_spaces_is_empty(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0

    submit(valid_post(website="   "))

    assert Inquiry.objects.get().status == Inquiry.Status.NEW


def test_honeypot_spam_with_invalid_fields_is_not_stored(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0

    response = submit(valid_post(website="x", email="nope"))

    assert response.status_code == 200
    assert Inquiry.objects.count() == 0


# The fill time, carried in the signed form_token


@pytest.mark.parametrize(
    ("minimum", "seconds", "status"),
    [
        pytest.param(None, 0, "spam", id="default-at-once"),
        pytest.param(None, 2, "spam", id="default-2s"),
        pytest.param(None, 3, "new", id="default-3s"),
        pytest.param(None, 60, "new", id="default-60s"),
        pytest.param(30, 20, "spam", id="30-20s"),
        pytest.param(0, 0, "new", id="check-off"),
    ],
)
def test_form_sent_faster_than_the_minimum_fill_time_is_spam(
    clock, valid_post, submit, settings, mailoutbox, minimum, seconds, status
):
    if minimum is not None:
        settings.INQUIRY_MIN_SECONDS = minimum
    data = valid_post()
    clock.shift(seconds)

    response = submit(data)

    assert response.status_code == 303
    if status == "spam":
        assert_spam("sent too fast", mailoutbox)
    else:
        inquiry = Inquiry.objects.get()
        assert (inquiry.status, inquiry.spam_reason) == ("new", "")
        assert EmailDelivery.objects.filter(inquiry=inquiry).count() == 2


def test_fill_time_counts_from_when_the_form_was_first_served(clock, valid_post, submit):
    data = valid_post(email="ada@example")
    clock.shift(1)
    assert submit(data).status_code == 200  # an error, shown again after one second
    clock.shift(10)

    submit({**data, "email": "ada@example.com"})

    assert Inquiry.objects.get().status == Inquiry.Status.NEW


@pytest.mark.parametrize(
    ("age", "status"),
    [
        pytest.param(datetime.timedelta(hours=23), "new", id="23h"),
        pytest.param(datetime.timedelta(hours=24), "new", id="24h"),
        pytest.param(datetime.timedelta(hours=24, seconds=1), "spam", id="24h1s"),
        pytest.param(datetime.timedelta(days=30), "spam", id="30d"),
    ],
)
def test_a_form_older_than_24_hours_is_silently_spam(
    clock, client, valid_post, submit, mailoutbox, age, status
):
    data = valid_post()
    clock.shift(age)

    response = submit(data)

    # The sender cannot tell: the same redirect and thank-you page as anyone.
    assert response.status_code == 303
    assert response["Location"] == THANKS
    assert reference_shown(client)
    if status == "spam":
        assert_spam("form token expired", mailoutbox)
    else:
        assert Inquiry.objects.get().status == status


def good_token(**changes):
    """A token as the site signs it, for a form served a minute ago."""
    data = {"t": int(time.time()) - 60, "n": "0123456789abcdef0123456789abcdef", "p": "/x/"}
    data.update(changes)
    return signing.dumps(data, salt=form_token.SALT, compress=True)


def test_a_correctly_signed_token_of_an_old_form_is_accepted(valid_post, submit):
    # The counterpart of the forgeries below: the same construction, signed properly, passes.
    submit(valid_post(form_token=good_token(utm_source="mail")))

    inquiry = Inquiry.objects.get()
    assert inquiry.status == Inquiry.Status.NEW
    assert (inquiry.source_page, inquiry.utm_source) == ("/x/", "mail")


@pytest.mark.parametrize(
    "forged",
    [
        pytest.param(None, id="missing"),
        pytest.param(
            signing.dumps({"t": 1, "n": "abc"}, salt="another-salt", compress=True),
            id="other-salt",
        ),
        pytest.param(
            signing.dumps({"t": 1, "n": "abc"}, key="not-the-secret-key", salt=form_token.SALT),
            id="other-key",
        ),
        pytest.param("not a token at all", id="junk"),
        pytest.param("eyJ0IjoxfQ:1abcde:xyz", id="fake-signature"),
        pytest.param(".", id="dot"),
        pytest.param("\ufffd" * 40, id="replacement-characters"),
        pytest.param("x" * 20000, id="huge"),
        # Signed by the site, but not what it signs.
        pytest.param(good_token(t="1"), id="time-as-text"),
        pytest.param(good_token(t=None), id="time-missing"),
        pytest.param(good_token(n=""), id="nonce-empty"),
        pytest.param(signing.dumps([1, 2], salt=form_token.SALT), id="not-a-dict"),
    ],
)
def test_missing_or_forged_form_token_is_spam(valid_post, submit, settings, mailoutbox, forged):
    settings.INQUIRY_MIN_SECONDS = 0

    response = submit(valid_post(form_token=forged))

    assert response.status_code == 303
    assert assert_spam(FORGED, mailoutbox).form_nonce == ""


@pytest.mark.parametrize("part", ["payload", "payload-letter", "signature-letter"])
def test_tampered_form_token_is_spam(valid_post, submit, mailoutbox, part):
    payload, timestamp, signature = valid_post()["form_token"].rsplit(":", 2)
    if part == "payload":
        # An older time would pass the fill-time check: change it without the key.
        payload = signing.dumps({"t": 1, "n": "f" * 32}, compress=True).split(":")[0]
    elif part == "payload-letter":
        payload = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    else:
        signature = signature[:-1] + ("A" if signature[-1] != "A" else "B")

    submit(valid_post(form_token=f"{payload}:{timestamp}:{signature}"))

    assert_spam(FORGED, mailoutbox)
