"""The signed hidden field that says when, and from which page, the form was served.

A person needs some seconds to fill in the form; a bot posts at once or forges the field. The
same token also carries where the visitor came from, and a nonce that makes a second post of the
same form (a reload, a double click) find the first inquiry instead of creating another.
"""

import re
import secrets
import time

from django.core import signing

SALT = "inquiries.form-token"
# A form older than this was not filled in by a person in one sitting: a bot replays a token it
# fetched once, which would otherwise pass the fill-time check forever.
MAX_AGE_SECONDS = 24 * 60 * 60
UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign")
MAX_TEXT = 200
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _plain(value, limit):
    """Text from a URL or header, without control characters (PostgreSQL refuses NUL)."""
    return CONTROL.sub("", value)[:limit]


def make(request):
    data = {
        "t": int(time.time()),
        "n": secrets.token_hex(16),
        "p": _plain(request.path, 500),
        "r": _plain(request.META.get("HTTP_REFERER", ""), 500),
    }
    for key in UTM_KEYS:
        if value := _plain(request.GET.get(key, ""), MAX_TEXT):
            data[key] = value
    return signing.dumps(data, salt=SALT, compress=True)


def read(value):
    """The token's data, or None when it is missing or forged."""
    if not value:
        return None
    try:
        data = signing.loads(value, salt=SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("t"), int) or not data.get("n"):
        return None
    return data


def age_seconds(data):
    return time.time() - data["t"]


def expired(data):
    return age_seconds(data) > MAX_AGE_SECONDS
