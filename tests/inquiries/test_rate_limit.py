"""The rate limit: more than 5 posts from one client in 10 minutes get 429 (SPEC §8, §10).
Several processes at once: test_rate_limit_processes."""

import ipaddress

import pytest
from django.core.cache import cache, caches
from django.core.cache.backends import db as cache_db
from django.test import Client, RequestFactory

from inquiries import ratelimit
from inquiries.models import EmailDelivery, Inquiry, PostCounter


@pytest.fixture(autouse=True)
def no_fill_time_check(settings):
    """These tests send forms at once; the fill-time check has tests of its own in test_spam."""
    settings.INQUIRY_MIN_SECONDS = 0


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
def cache_clock(clock):
    """The clock the rate limit reads; a Redis server keeps its own."""
    if not isinstance(caches["default"], cache_db.DatabaseCache):
        pytest.skip("moves the clock of this process only")
    return clock


def test_sixth_post_from_one_address_in_the_window_gets_429(valid_post, submit):
    statuses = [submit(valid_post()).status_code for _ in range(5)]
    sixth = submit(valid_post())

    assert statuses == [303] * 5
    assert sixth.status_code == 429
    assert "Please wait a few minutes" in sixth.content.decode()
    assert sixth.templates[0].name == "inquiries/rate_limited.html"
    assert Inquiry.objects.count() == 5


def test_a_post_over_the_limit_saves_and_sends_nothing(valid_post, submit, mailoutbox):
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


def test_every_post_counts_valid_invalid_spam_and_malformed(valid_post, submit):
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


def test_visits_to_the_form_do_not_count(client, valid_post, submit):
    for _ in range(10):
        client.get("/inquire/")

    statuses = [submit(valid_post()).status_code for _ in range(5)]

    assert statuses == [303] * 5


def test_another_address_is_not_affected(valid_post, submit):
    for _ in range(6):
        submit(valid_post(), REMOTE_ADDR="203.0.113.7")

    response = submit(valid_post(), REMOTE_ADDR="198.51.100.20")

    assert submit(valid_post(), REMOTE_ADDR="203.0.113.7").status_code == 429
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("trusted", "remote_addr", "forwarded"),
    [
        pytest.param((), "127.0.0.1", "192.0.2.{}", id="no-trusted-proxy"),
        pytest.param(("10.0.0.0/8",), "203.0.113.7", "10.0.0.{}", id="untrusted-address"),
    ],
)
def test_forwarded_for_from_an_untrusted_address_does_not_escape_the_limit(
    valid_post, submit, settings, trusted, remote_addr, forwarded
):
    settings.TRUSTED_PROXIES = tuple(ipaddress.ip_network(network) for network in trusted)
    for number in range(5):
        submit(valid_post(), REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR=forwarded.format(number))

    response = submit(valid_post(), REMOTE_ADDR=remote_addr, HTTP_X_FORWARDED_FOR="192.0.2.99")

    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_client_address_counts(valid_post, submit, settings):
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


def test_a_malformed_forwarded_for_from_the_proxy_is_no_500(valid_post, submit, settings):
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.1"),)

    statuses = [
        submit(valid_post(), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=value).status_code
        for value in ["", "unknown", "203.0.113.7, ", "[2001:db8::1]:443", "x" * 5000]
    ]

    assert statuses == [303] * 5


def test_ipv6_addresses_of_one_64_network_share_a_limit(valid_post, submit):
    for number in range(1, 6):
        submit(valid_post(), REMOTE_ADDR=f"2001:db8:1:2::{number:x}")

    same_network = submit(valid_post(), REMOTE_ADDR="2001:db8:1:2:ffff:ffff:ffff:ffff")
    next_network = submit(valid_post(), REMOTE_ADDR="2001:db8:1:3::1")

    assert (same_network.status_code, next_network.status_code) == (429, 303)


def test_ipv4_addresses_are_counted_one_by_one(valid_post, submit):
    for _ in range(5):
        submit(valid_post(), REMOTE_ADDR="203.0.113.7")

    neighbour = submit(valid_post(), REMOTE_ADDR="203.0.113.8")
    # The same IPv4 address, as a dual-stack socket reports it.
    same = submit(valid_post(), REMOTE_ADDR="::ffff:203.0.113.7")

    assert (neighbour.status_code, same.status_code) == (303, 429)


@pytest.mark.parametrize(
    ("limit", "statuses"),
    [
        pytest.param(None, [303] * 8, id="off"),
        pytest.param((2, 60), [303, 303, 429], id="2-a-minute"),
    ],
)
def test_the_limit_follows_its_setting(valid_post, submit, settings, limit, statuses):
    settings.INQUIRY_RATE_LIMIT = limit

    assert [submit(valid_post()).status_code for _ in statuses] == statuses


def test_limit_is_held_in_the_shared_cache_not_in_the_process(valid_post, submit):
    for _ in range(5):
        assert submit(valid_post()).status_code == 303

    # A new browser: another session and no cookies, from the same address.
    response = submit(valid_post(), using=Client())

    assert response.status_code == 429
    assert posts_counted("127.0.0.1") == 6
    backend = type(caches["default"]).__name__
    assert backend in {"DatabaseCache", "RedisCache"}, f"{backend} is not shared by processes"


def test_counter_key_holds_no_ip_address(valid_post, submit):
    submit(valid_post(), REMOTE_ADDR="203.0.113.7")

    assert posts_counted("203.0.113.7") == 1
    assert "203.0.113.7" not in counter_key("203.0.113.7")
    assert not PostCounter.objects.filter(key__contains="203.0.113").exists()


@pytest.mark.parametrize(
    ("seconds", "status"),
    [pytest.param(6 * 60, 429, id="6-minutes"), pytest.param(601, 303, id="10-minutes")],
)
def test_the_limit_lasts_10_minutes_from_the_first_post(
    cache_clock, valid_post, submit, seconds, status
):
    for _ in range(5):
        assert submit(valid_post()).status_code == 303
    assert submit(valid_post()).status_code == 429

    cache_clock.shift(seconds)

    assert submit(valid_post()).status_code == status
