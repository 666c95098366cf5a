"""The client's address and proxy headers (SPEC §14): only TRUSTED_PROXIES speak for a client."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from clinic.env import env_networks
from clinic.http import client_ip

PROXY = "10.0.0.1"


@pytest.fixture
def trust(settings, monkeypatch):
    """Set TRUSTED_PROXIES as a deployment would, through the environment variable."""

    def trust(value):
        monkeypatch.setenv("TRUSTED_PROXIES", value)
        settings.TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")

    return trust


def address_of(rf, remote_addr, forwarded_for=None):
    headers = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    return client_ip(rf.get("/", REMOTE_ADDR=remote_addr, **headers))


# Settings


def test_trusted_proxies_take_addresses_and_networks_of_both_families(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", " 10.0.0.1, 172.16.0.0/12 ,2001:db8::/32, ::1 ")

    assert [str(network) for network in env_networks("TRUSTED_PROXIES")] == [
        "10.0.0.1/32",
        "172.16.0.0/12",
        "2001:db8::/32",
        "::1/128",
    ]


@pytest.mark.parametrize(
    "value", ["nginx", "10.0.0.300", "10.0.0.0/33", "10.0.0.1 10.0.0.2", "10.0.0.1,fe80::zz"]
)
def test_a_bad_trusted_proxy_fails_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("TRUSTED_PROXIES", value)

    with pytest.raises(ImproperlyConfigured, match="TRUSTED_PROXIES"):
        env_networks("TRUSTED_PROXIES")


# X-Forwarded-For


def test_without_trusted_proxies_the_connection_address_is_the_client(rf):
    assert address_of(rf, "203.0.113.7", "198.51.100.1") == "203.0.113.7"


def test_a_forged_header_from_an_untrusted_address_changes_nothing(rf, trust):
    trust("10.0.0.0/8")

    assert address_of(rf, "203.0.113.7", "198.51.100.1, 10.0.0.5") == "203.0.113.7"


def test_behind_a_trusted_proxy_the_right_most_untrusted_entry_is_the_client(rf, trust):
    trust("10.0.0.0/8, 192.0.2.10")

    # The client wrote 1.2.3.4 itself; 198.51.100.7 is what the first trusted proxy saw.
    forwarded = "1.2.3.4, 198.51.100.7, 192.0.2.10, 10.0.0.2"
    assert address_of(rf, PROXY, forwarded) == "198.51.100.7"


def test_a_trusted_proxy_without_the_header_is_the_client(rf, trust):
    trust(PROXY)

    assert address_of(rf, PROXY) == PROXY


def test_when_every_entry_is_a_trusted_proxy_the_furthest_one_is_the_client(rf, trust):
    trust("10.0.0.0/8")

    assert address_of(rf, PROXY, "10.0.0.3, 10.0.0.2") == "10.0.0.3"


def test_ipv6_proxies_and_clients(rf, trust):
    trust("2001:db8::/32")

    assert address_of(rf, "2001:db8::1", "2a00:1450:4001::5, 2001:db8::2") == "2a00:1450:4001::5"
    assert address_of(rf, "2a00:1450:4001::5", "192.0.2.1") == "2a00:1450:4001::5"


def test_an_ipv4_proxy_seen_through_a_dual_stack_socket_is_trusted(rf, trust):
    trust(PROXY)

    assert address_of(rf, f"::ffff:{PROXY}", "203.0.113.7") == "203.0.113.7"


@pytest.mark.parametrize(
    ("forwarded", "client"),
    [
        # Nothing can be vouched for past an entry that is not an address.
        ("203.0.113.7, not-an-address, 10.0.0.2", "10.0.0.2"),
        ("203.0.113.7, unknown", PROXY),
        ("203.0.113.7,", PROXY),
        ("", PROXY),
        ("203.0.113.7:4711", PROXY),
        ("\x00\xff, 10.0.0.2", "10.0.0.2"),
        ("fe80::1%eth0", PROXY),
    ],
)
def test_malformed_entries_are_never_taken_for_addresses(rf, trust, forwarded, client):
    trust("10.0.0.0/8")

    assert address_of(rf, PROXY, forwarded) == client
