"""Spam: the honeypot, the signed fill-time token, and the per-IP rate limit (SPEC §8, §10)."""

import datetime
import ipaddress
from types import SimpleNamespace

import pytest
import time_machine
from django.core import signing
from django.core.cache import cache, caches
from django.core.cache.backends import db as cache_db
from django.test import Client, RequestFactory

from inquiries import form_token, ratelimit
from inquiries.models import EmailDelivery, Inquiry, PostCounter

THANKS = "/inquire/thanks/"
WAIT_PAGE = "Please wait a few minutes"


def reference_shown(client):
    body = client.get(THANKS).content.decode()
    inquiry = Inquiry.objects.get()
    return inquiry.reference in body


def counter_key(remote_addr="127.0.0.1"):
    return ratelimit.counter_key(RequestFactory().post("/inquire/", REMOTE_ADDR=remote_addr))


def posts_counted(remote_addr="127.0.0.1"):
    """The count the rate limit holds for an address, wherever it keeps it."""
    key = counter_key(remote_addr)
    if isinstance(caches["default"], cache_db.DatabaseCache):
        counter = PostCounter.objects.filter(key=key).first()
        return counter.hits if counter else None
    return cache.get(key)


@pytest.fixture
def cache_clock():
    """The clock the rate limit reads; a Redis server keeps its own."""
    if not isinstance(caches["default"], cache_db.DatabaseCache):
        pytest.skip("moves the clock of this process only")
    with time_machine.travel(1_900_000_000.0, tick=False) as traveller:
        yield SimpleNamespace(advance=traveller.shift)


# The honeypot


def test_filled_honeypot_is_stored_as_spam(client, valid_post, submit, settings, mailoutbox):
    settings.INQUIRY_MIN_SECONDS = 0

    response = submit(valid_post(website="https://cheap-pills.example"))

    assert response.status_code == 303
    assert response["Location"] == THANKS
    inquiry = Inquiry.objects.get()
    assert inquiry.status == Inquiry.Status.SPAM
    assert inquiry.spam_reason == "honeypot"
    assert mailoutbox == []
    assert EmailDelivery.objects.count() == 0
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


@pytest.mark.parametrize(("seconds", "status"), [(0, "spam"), (2, "spam"), (3, "new"), (60, "new")])
def test_form_sent_faster_than_three_seconds_is_spam(
    clock, valid_post, submit, settings, mailoutbox, seconds, status
):
    assert settings.INQUIRY_MIN_SECONDS == 3
    data = valid_post()
    clock.advance(seconds)

    response = submit(data)

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.status == status
    if status == "spam":
        assert inquiry.spam_reason == "sent too fast"
        assert mailoutbox == []
        assert EmailDelivery.objects.count() == 0
    else:
        assert inquiry.spam_reason == ""
        assert EmailDelivery.objects.filter(inquiry=inquiry).count() == 2


def test_minimum_fill_time_is_a_setting(clock, valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 30
    data = valid_post()
    clock.advance(20)

    submit(data)

    assert Inquiry.objects.get().status == Inquiry.Status.SPAM


def test_zero_minimum_fill_time_disables_the_check(clock, valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0

    submit(valid_post())  # the clock does not move: sent within the same second

    assert Inquiry.objects.get().status == Inquiry.Status.NEW


def test_fill_time_counts_from_when_the_form_was_first_served(clock, valid_post, submit):
    data = valid_post(email="ada@example")
    clock.advance(1)
    assert submit(data).status_code == 200  # an error, shown again after one second
    clock.advance(10)

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
    clock.advance(age.total_seconds())

    response = submit(data)

    # The sender cannot tell: the same redirect and thank-you page as anyone.
    assert response.status_code == 303
    assert response["Location"] == THANKS
    assert reference_shown(client)
    inquiry = Inquiry.objects.get()
    assert inquiry.status == status
    if status == "spam":
        assert inquiry.spam_reason == "form token expired"
        assert mailoutbox == []
        assert EmailDelivery.objects.count() == 0


def test_missing_form_token_is_spam(valid_post, submit, settings, mailoutbox):
    settings.INQUIRY_MIN_SECONDS = 0

    response = submit(valid_post(form_token=None))

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.status == Inquiry.Status.SPAM
    assert inquiry.spam_reason == "missing or forged form token"
    assert mailoutbox == []
    assert EmailDelivery.objects.count() == 0


def good_token(**changes):
    """A token as the site signs it, for a form served a minute ago."""
    data = {
        "t": int(form_token.time.time()) - 60,
        "n": "0123456789abcdef0123456789abcdef",
        "p": "/x/",
    }
    data.update(changes)
    return signing.dumps(data, salt=form_token.SALT, compress=True)


def test_a_correctly_signed_token_of_an_old_form_is_accepted(valid_post, submit, settings):
    # The counterpart of the forgeries below: the same construction, signed properly, passes.
    submit(valid_post(form_token=good_token(utm_source="mail")))

    inquiry = Inquiry.objects.get()
    assert inquiry.status == Inquiry.Status.NEW
    assert (inquiry.source_page, inquiry.utm_source) == ("/x/", "mail")


@pytest.mark.parametrize(
    "forged",
    [
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
    ],
)
def test_forged_form_token_is_spam(valid_post, submit, settings, mailoutbox, forged):
    settings.INQUIRY_MIN_SECONDS = 0

    response = submit(valid_post(form_token=forged))

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.status == Inquiry.Status.SPAM
    assert inquiry.spam_reason == "missing or forged form token"
    assert inquiry.form_nonce == ""
    assert mailoutbox == []
    assert EmailDelivery.objects.count() == 0


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"t": "1"}, id="time-as-text"),
        pytest.param({"t": None}, id="time-missing"),
        pytest.param({"n": ""}, id="nonce-empty"),
    ],
)
def test_signed_token_with_the_wrong_shape_is_spam(valid_post, submit, settings, changes):
    settings.INQUIRY_MIN_SECONDS = 0

    submit(valid_post(form_token=good_token(**changes)))

    assert Inquiry.objects.get().status == Inquiry.Status.SPAM


def test_signed_token_that_is_not_a_dict_is_spam(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0

    submit(valid_post(form_token=signing.dumps([1, 2], salt=form_token.SALT)))

    assert Inquiry.objects.get().status == Inquiry.Status.SPAM


def test_tampered_form_token_is_spam(valid_post, submit, settings):
    real = valid_post()["form_token"]
    payload, timestamp, signature = real.rsplit(":", 2)
    # An older time would pass the fill-time check: change it without the key.
    tampered_payload = signing.dumps({"t": 1, "n": "f" * 32}, compress=True).split(":")[0]
    for tampered in (
        f"{tampered_payload}:{timestamp}:{signature}",
        f"{payload[:-2]}{'A' if payload[-2] != 'A' else 'B'}{payload[-1]}:{timestamp}:{signature}",
        f"{payload}:{timestamp}:{signature[:-1]}{'A' if signature[-1] != 'A' else 'B'}",
    ):
        Inquiry.objects.all().delete()

        submit(valid_post(form_token=tampered))

        assert Inquiry.objects.get().status == Inquiry.Status.SPAM, tampered


# The rate limit: more than 5 posts from one IP in 10 minutes


def test_sixth_post_from_one_address_in_the_window_gets_429(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    assert settings.INQUIRY_RATE_LIMIT == (5, 600)

    statuses = [submit(valid_post()).status_code for _ in range(5)]
    sixth = submit(valid_post())

    assert statuses == [303] * 5
    assert sixth.status_code == 429
    assert WAIT_PAGE in sixth.content.decode()
    assert sixth.templates[0].name == "inquiries/rate_limited.html"
    assert Inquiry.objects.count() == 5


def test_a_post_over_the_limit_saves_and_sends_nothing(valid_post, submit, settings, mailoutbox):
    settings.INQUIRY_MIN_SECONDS = 0
    for _ in range(5):
        submit(valid_post())
    mailoutbox.clear()
    deliveries = EmailDelivery.objects.count()

    response = submit(valid_post(name="Seventh Person"))

    assert response.status_code == 429
    assert not Inquiry.objects.filter(name="Seventh Person").exists()
    assert Inquiry.objects.count() == 5
    assert EmailDelivery.objects.count() == deliveries
    assert mailoutbox == []


def test_every_post_counts_valid_invalid_spam_and_malformed(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0

    answers = [
        submit(valid_post()).status_code,  # valid
        submit(valid_post(email="nope")).status_code,  # invalid
        submit({}).status_code,  # empty
        submit(valid_post(website="spam")).status_code,  # honeypot
        submit(valid_post(surprise="1")).status_code,  # a field the form does not have
    ]
    sixth = submit(valid_post())

    assert answers == [303, 200, 200, 303, 400]
    assert sixth.status_code == 429
    assert Inquiry.objects.count() == 2


def test_visits_to_the_form_do_not_count(client, valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    for _ in range(10):
        client.get("/inquire/")

    statuses = [submit(valid_post()).status_code for _ in range(5)]

    assert statuses == [303] * 5


def test_another_address_is_not_affected(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    for _ in range(6):
        submit(valid_post(), REMOTE_ADDR="203.0.113.7")

    response = submit(valid_post(), REMOTE_ADDR="198.51.100.20")

    assert submit(valid_post(), REMOTE_ADDR="203.0.113.7").status_code == 429
    assert response.status_code == 303


def test_forwarded_for_header_does_not_escape_the_limit(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    assert settings.TRUSTED_PROXIES == ()
    for number in range(5):
        submit(valid_post(), HTTP_X_FORWARDED_FOR=f"192.0.2.{number}")

    response = submit(valid_post(), HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_client_address_counts(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.1"),)
    for _ in range(5):
        submit(valid_post(), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")

    limited = submit(valid_post(), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    other = submit(valid_post(), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.20")
    # A client cannot pick its address by adding its own entry in front of the proxy's.
    spoofed = submit(
        valid_post(), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7"
    )

    assert (limited.status_code, other.status_code, spoofed.status_code) == (429, 303, 429)


def test_forwarded_for_from_an_untrusted_address_does_not_escape_the_limit(
    valid_post, submit, settings
):
    settings.INQUIRY_MIN_SECONDS = 0
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)
    for number in range(5):
        submit(valid_post(), REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR=f"10.0.0.{number}")

    response = submit(valid_post(), REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="192.0.2.1")

    assert response.status_code == 429


def test_a_malformed_forwarded_for_from_the_proxy_is_no_500(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.1"),)

    statuses = [
        submit(valid_post(), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=value).status_code
        for value in ["", "unknown", "203.0.113.7, ", "[2001:db8::1]:443", "x" * 5000]
    ]

    assert statuses == [303] * 5


def test_ipv6_addresses_of_one_64_network_share_a_limit(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    for number in range(1, 6):
        submit(valid_post(), REMOTE_ADDR=f"2001:db8:1:2::{number:x}")

    same_network = submit(valid_post(), REMOTE_ADDR="2001:db8:1:2:ffff:ffff:ffff:ffff")
    next_network = submit(valid_post(), REMOTE_ADDR="2001:db8:1:3::1")

    assert (same_network.status_code, next_network.status_code) == (429, 303)


def test_ipv4_addresses_are_counted_one_by_one(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    for _ in range(5):
        submit(valid_post(), REMOTE_ADDR="203.0.113.7")

    neighbour = submit(valid_post(), REMOTE_ADDR="203.0.113.8")
    # The same IPv4 address, as a dual-stack socket reports it.
    same = submit(valid_post(), REMOTE_ADDR="::ffff:203.0.113.7")

    assert (neighbour.status_code, same.status_code) == (303, 429)


def test_rate_limit_off_lets_every_post_through(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    settings.INQUIRY_RATE_LIMIT = None

    statuses = [submit(valid_post()).status_code for _ in range(12)]

    assert statuses == [303] * 12
    assert Inquiry.objects.count() == 12


def test_rate_limit_is_a_setting(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    settings.INQUIRY_RATE_LIMIT = (2, 60)

    statuses = [submit(valid_post()).status_code for _ in range(3)]

    assert statuses == [303, 303, 429]


def test_limit_is_held_in_the_shared_cache_not_in_the_process(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    for _ in range(5):
        assert submit(valid_post()).status_code == 303

    # A new browser: another session and no cookies, from the same address.
    response = submit(valid_post(), using=Client())

    assert response.status_code == 429
    assert posts_counted("127.0.0.1") == 6
    backend = type(caches["default"]).__name__
    assert backend in {"DatabaseCache", "RedisCache"}, f"{backend} is not shared by processes"


def test_counter_key_holds_no_ip_address(valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0

    submit(valid_post(), REMOTE_ADDR="203.0.113.7")

    assert posts_counted("203.0.113.7") == 1
    assert "203.0.113.7" not in counter_key("203.0.113.7")
    assert not PostCounter.objects.filter(key__contains="203.0.113").exists()


def test_limit_ends_with_the_window(cache_clock, valid_post, submit, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    for _ in range(6):
        submit(valid_post())
    assert submit(valid_post()).status_code == 429

    cache_clock.advance(601)

    assert submit(valid_post()).status_code == 303


def test_sixth_post_six_minutes_after_the_first_is_still_limited(
    cache_clock, valid_post, submit, settings
):
    settings.INQUIRY_MIN_SECONDS = 0
    for _ in range(5):
        assert submit(valid_post()).status_code == 303

    cache_clock.advance(6 * 60)  # still inside the 10-minute window of the first post

    assert submit(valid_post()).status_code == 429
