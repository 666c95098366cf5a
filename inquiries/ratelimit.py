"""Counting form posts per client where every server process sees them, so the limit holds.

With Redis (CACHE_URL) the count is a cache entry, which Redis increments atomically. Without it,
the count is a row of PostCounter, incremented by the database itself: the database cache's own
increment reads and then writes, and loses posts that arrive together from several processes.
"""

import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.utils.crypto import salted_hmac

from clinic.http import client_ip, parse_address
from inquiries.models import PostCounter

KEY_SALT = "inquiries.client-ip"


def ip_hash(request):
    """A salted hash of the client's address: enough to count, never the address itself."""
    return salted_hmac(KEY_SALT, client_ip(request), algorithm="sha256").hexdigest()


def client_group(address):
    """Who the limit counts: an IPv4 address, or the /64 network of an IPv6 one.

    One IPv6 subscriber usually holds a whole /64 and can post from a new address each time.
    """
    parsed = parse_address(address)
    if parsed is None:
        return address
    if parsed.version == 6:
        return str(ipaddress.IPv6Network((parsed, 64), strict=False))
    return str(parsed)


def counter_key(request):
    group = client_group(client_ip(request))
    return f"inquiry-posts:{salted_hmac(KEY_SALT, group, algorithm='sha256').hexdigest()}"


def over_limit(request):
    """Count this post; True when the client has posted more than the limit in the window."""
    if settings.INQUIRY_RATE_LIMIT is None:
        return False
    limit, window = settings.INQUIRY_RATE_LIMIT
    key = counter_key(request)
    if isinstance(caches["default"], DatabaseCache):
        count = PostCounter.objects.hit(key, window, time.time())
    else:
        count = _count_in_cache(key, window)
    return count > limit


def _count_in_cache(key, window):
    # The window opens with the client's first post. Its end is kept beside the count because
    # some caches reset an entry's expiry when they increment it.
    now = time.time()
    cache.add(f"{key}:since", now, timeout=window)
    since = cache.get(f"{key}:since", now)
    remaining = max(1, math.ceil(since + window - now))
    if cache.add(key, 1, timeout=remaining):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(key, 1, timeout=remaining)
        count = 1
    cache.touch(key, remaining)
    return count
