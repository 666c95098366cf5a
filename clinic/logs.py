"""Log records without patient data, for Django (settings.LOGGING), the task worker and gunicorn.

Two things in a log line can carry a patient's details without anyone meaning to log them: the
query string of a URL (an admin search for a name or an email address is `?q=...`) and the client's
address beside a patient's request. The filter here drops every query string and replaces every IP
address with a keyed hash, so repeated lines from one client can still be told apart. It works on
the finished message, so it holds for messages written by libraries (gunicorn, django-axes) too.

No Django import: gunicorn's master process loads this module before any Django settings exist.
"""

import hashlib
import hmac
import ipaddress
import logging
import os
import re

from gunicorn import glogging

# A query string after anything that looks like a path or URL: `/admin/x/?q=...` keeps `/admin/x/`.
QUERY = re.compile(r"(/[^\s?#\"'<>]*)\?[^\s\"'<>]*")
# Candidates only; each is checked with the ipaddress module, so times like 09:15:02 stay.
ADDRESS = re.compile(
    r"(?<![\w:.])(?:"
    r"(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?(?!\w|:[\w:]|\.\d)"
    r"|\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d))"
)
HASH_SALT = b"clinic.logs.client"


def client_label(address):
    """A stable stand-in for an address; the secret key keeps it from being reversed."""
    key = os.environ.get("DJANGO_SECRET_KEY", "").encode()
    digest = hmac.new(key, HASH_SALT + address.encode(), hashlib.sha256).hexdigest()
    return f"client-{digest[:12]}"


def redact(text, keep=frozenset()):
    """`text` without query strings and with IP addresses hashed, except those in `keep`."""

    def address(match):
        found = match[0]
        # "ip=::1: error": the colon after an IPv6 address belongs to the sentence.
        for candidate, rest in ((found, ""), (found[:-1], ":")):
            try:
                ipaddress.ip_address(candidate)
            except ValueError:
                continue
            return (candidate if candidate in keep else client_label(candidate)) + rest
        return found

    return ADDRESS.sub(address, QUERY.sub(r"\1", text))


class RedactFilter(logging.Filter):
    """Rewrites each record's message (and traceback) with `redact`, then lets it through."""

    def __init__(self, keep=()):
        super().__init__()
        self.keep = frozenset(keep)

    def filter(self, record):
        record.msg = redact(record.getMessage(), self.keep)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.keep)
        return True


class GunicornLogger(glogging.Logger):
    """gunicorn's logger with the filter on its error and access logs.

    The addresses gunicorn itself listens on are kept, so "Listening at: ..." still says where.
    """

    def setup(self, cfg):
        super().setup(cfg)
        listening = set()
        for bind in cfg.bind:
            host = bind.rsplit(":", 1)[0] if not bind.startswith("unix:") else ""
            listening.add(host.strip("[]"))
        redact_filter = RedactFilter(keep=listening - {""})
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.addFilter(redact_filter)
