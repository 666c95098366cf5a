"""Counting form posts per client where every server process sees them, so the limit holds.

With Redis (CACHE_URL) the count is a cache entry, which Redis increments atomically. Without it,
the count is a row of PostCounter, incremented by the database itself: the database cache's own
increment reads and then writes, and loses posts that arrive together from several processes.
PostCounter is one of the app's models (inquiries.models imports it for Django to find).
"""

import ipaddress
import math
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, models, router
from django.utils.crypto import salted_hmac

from clinic.http import client_ip, parse_address

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


class PostCounterQuerySet(models.QuerySet):
    def hit(self, key, window, now):
        """Count one post for `key` and return the posts in its window, `now` included.

        One INSERT ... ON CONFLICT DO UPDATE (PostgreSQL and SQLite alike): the database adds one to
        the row it holds, so posts from many processes at once are all counted, which a cache's
        read-then-write increment is not. The window opens with the first post and restarts with
        the first post after it ended.
        """
        connection = connections[router.db_for_write(self.model)]
        table, key_column, hits, ends = (
            connection.ops.quote_name(name)
            for name in (self.model._meta.db_table, "key", "hits", "window_ends")
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} AS c ({key_column}, {hits}, {ends}) VALUES (%s, 1, %s) "
                f"ON CONFLICT ({key_column}) DO UPDATE SET "
                f"{hits} = CASE WHEN c.{ends} <= %s THEN 1 ELSE c.{hits} + 1 END, "
                f"{ends} = CASE WHEN c.{ends} <= %s THEN excluded.{ends} ELSE c.{ends} END "
                f"RETURNING {hits}",
                [key, now + window, now, now],
            )
            (count,) = cursor.fetchone()
        if count == 1:
            # A window opened: a good moment to forget the windows that have ended.
            self.filter(window_ends__lte=now).delete()
        return count


class PostCounter(models.Model):
    """Form posts per client (a salted hash) in the current window, when no Redis is configured."""

    key = models.CharField(max_length=100, primary_key=True)
    hits = models.PositiveIntegerField()
    window_ends = models.FloatField("window ends (Unix time)", db_index=True)

    objects = PostCounterQuerySet.as_manager()

    def __str__(self):
        return f"{self.hits} post(s) until {self.window_ends:.0f}"
