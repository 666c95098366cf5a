"""Counting form posts per client in the shared cache, so the limit holds across processes."""

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.crypto import salted_hmac

from clinic.http import client_ip

KEY_SALT = "inquiries.client-ip"


def ip_hash(request):
    """A salted hash of the client's address: enough to count, never the address itself."""
    return salted_hmac(KEY_SALT, client_ip(request), algorithm="sha256").hexdigest()


def over_limit(request):
    """Count this post; True when the client has posted more than the limit in the window."""
    if settings.INQUIRY_RATE_LIMIT is None:
        return False
    limit, window = settings.INQUIRY_RATE_LIMIT
    key = f"inquiry-posts:{ip_hash(request)}"
    # The window opens with the client's first post. Its end is kept beside the count because
    # some caches (the database cache) reset an entry's expiry when they increment it.
    now = time.time()
    cache.add(f"{key}:since", now, timeout=window)
    since = cache.get(f"{key}:since", now)
    remaining = max(1, math.ceil(since + window - now))
    if cache.add(key, 1, timeout=remaining):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(key, 1, timeout=remaining)
        count = 1
    cache.touch(key, remaining)
    return count > limit
