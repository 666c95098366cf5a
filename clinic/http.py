"""The client's address, and which proxies may speak for it (SPEC §14).

Only a proxy listed in TRUSTED_PROXIES may tell the site who the client is (X-Forwarded-For) or
that the connection was HTTPS (X-Forwarded-Proto). From anyone else those headers are forged.
"""

import ipaddress

from django.conf import settings

# Every X-Forwarded-* header Django or the site reads; gone unless a trusted proxy sent them.
FORWARDED_HEADERS = (
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
)


def parse_address(text):
    """An IPv4 or IPv6 address, or None for anything else.

    An IPv4 address a dual-stack socket reports as IPv6 (::ffff:192.0.2.1) is the IPv4 address.
    One with a zone (fe80::1%eth0) is none: it means nothing beyond one machine, and databases
    refuse to store it.
    """
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if getattr(address, "scope_id", None):
        return None
    return getattr(address, "ipv4_mapped", None) or address


def is_trusted_proxy(text):
    address = parse_address(text)
    return address is not None and any(address in network for network in settings.TRUSTED_PROXIES)


def client_ip(request):
    """REMOTE_ADDR, or, when that is a trusted proxy, the address the proxies saw.

    Each proxy appends the address it saw to X-Forwarded-For, so the header is read from the right:
    the first entry that is not itself a trusted proxy is the client. Anything further left was
    written by the client and could be anything. A malformed entry stops the walk at the last
    trusted hop, since nothing written before it can be vouched for.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if not settings.TRUSTED_PROXIES or not is_trusted_proxy(remote):
        return remote
    nearest = remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = parse_address(entry)
        if address is None:
            break
        nearest = str(address)
        if not any(address in network for network in settings.TRUSTED_PROXIES):
            break
    return nearest


class ProxyHeadersMiddleware:
    """Drops X-Forwarded-* headers that do not come from a trusted proxy.

    First in MIDDLEWARE, so that SecurityMiddleware (SECURE_PROXY_SSL_HEADER) and everything after
    it only ever see what a trusted proxy wrote.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        meta = request.META
        # Most requests carry none of these: no address parsing for them.
        if any(header in meta for header in FORWARDED_HEADERS) and not is_trusted_proxy(
            meta.get("REMOTE_ADDR", "")
        ):
            for header in FORWARDED_HEADERS:
                meta.pop(header, None)
        return self.get_response(request)
