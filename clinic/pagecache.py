"""Public pages rendered once per content version and served from that render (SPEC §11).

The content version is one value in the shared cache, so every server process, on every machine,
sees an edit at its next request: saving or deleting content (in admin, by `load_content`, in a
shell) replaces it. Each process keeps the pages it rendered for the current version in its own
memory, keyed by language, host and path, so a page costs one cache read and no rendering.

A page with the inquiry form holds values of each visit's own (the CSRF token, the form's
fill-time token). It is rendered once with a placeholder for each (see `per_visit`), which is
filled in on every request; such a page is private and never stored by a browser or proxy. Any
other page is public: any cache may keep it for PAGE_CACHE_SECONDS, and it carries an ETag and
Last-Modified and answers conditional requests with 304.
"""

import hashlib
import math
import re
import secrets
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.db import transaction
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import (
    add_never_cache_headers,
    get_conditional_response,
    patch_cache_control,
)
from django.utils.functional import SimpleLazyObject
from django.utils.html import escape
from django.utils.http import http_date
from django.utils.translation import get_language

VERSION_KEY = "clinic:content-version"
# Distinct URLs kept per process and version; far more than the site has, few enough for memory.
MAX_PAGES = 1000
# Headers this module sets itself, or that describe one response rather than the page.
OWN_HEADERS = {"cache-control", "content-length", "etag", "expires", "last-modified", "vary"}
# Unguessable, so that no text an editor writes can pose as a placeholder.
_MARK = secrets.token_hex(12)
_SLOT = re.compile(rf"slot-{_MARK}-([a-z_]+)-".encode())

_pages = {}


def content_version():
    """The current content version, shared by every process through the cache."""
    version = cache.get(VERSION_KEY)
    if version is None:
        # First request after the cache was emptied: every process agrees on the one added first.
        version = _new_version()
        cache.add(VERSION_KEY, version, timeout=None)
        version = cache.get(VERSION_KEY) or version
    return version


def _new_version():
    return f"{time.time():.6f}-{secrets.token_hex(4)}"


def _changed_at(version):
    """When the version was made, rounded up: Last-Modified is in whole seconds."""
    return math.ceil(float(version.partition("-")[0]))


def bump_content_version():
    cache.set(VERSION_KEY, _new_version(), timeout=None)


def content_changed(sender, using=None, action="post_", **kwargs):
    """Signal receiver for content models: pages show the change at their next request."""
    if action.startswith("pre_"):  # m2m_changed also announces changes about to be made
        return
    bump_content_version()
    # Once more after the commit: a page rendered meanwhile from the rows as they were before the
    # commit must not be kept under the version that announced the change.
    transaction.on_commit(bump_content_version, using=using)


def _forget_pages(**kwargs):
    _pages.clear()


# Rendered pages depend on settings (site name and address, cache lifetime); tests change them.
setting_changed.connect(_forget_pages)


def per_visit(request, name, make):
    """`make(request)`, a value of this visit's own; a placeholder while the page is rendered
    to be kept, filled in with `make(request)` on each request that the page serves."""
    slots = getattr(request, "page_slots", None)
    if slots is None:
        return make(request)
    slots[name] = make
    return f"slot-{_MARK}-{name}-"


def csrf(request):
    """Context processor, after Django's own: `{% csrf_token %}` in a page rendered to be kept
    becomes a placeholder, filled in with a token for each visit."""
    return {"csrf_token": SimpleLazyObject(lambda: per_visit(request, "csrf_token", get_token))}


def not_kept(response):
    """Mark a response as right for this request only (e.g. for a query string it ignores)."""
    response.page_not_kept = True
    return response


class Page:
    """A rendered page: its body, split at the per-visit placeholders, and its headers."""

    def __init__(self, response, slots, version):
        self.headers = [(k, v) for k, v in response.items() if k.lower() not in OWN_HEADERS]
        pieces = _SLOT.split(response.content)
        # split() alternates text and placeholder names: keep the names as str.
        self.parts = [p if i % 2 == 0 else p.decode() for i, p in enumerate(pieces)]
        self.slots = {name: slots[name] for name in self.parts[1::2]}
        self.etag = f'"{hashlib.blake2b(response.content, digest_size=16).hexdigest()}"'
        self.last_modified = _changed_at(version)

    def respond(self, request):
        if self.slots:
            values = {name: escape(make(request)).encode() for name, make in self.slots.items()}
            body = b"".join(
                part if i % 2 == 0 else values[part] for i, part in enumerate(self.parts)
            )
            response = HttpResponse(body)
            self._copy_headers(response)
            add_never_cache_headers(response)  # private, no-store
            return response
        response = HttpResponse(self.parts[0])
        self._copy_headers(response)
        response["ETag"] = self.etag
        response["Last-Modified"] = http_date(self.last_modified)
        patch_cache_control(response, public=True, max_age=settings.PAGE_CACHE_SECONDS)
        return get_conditional_response(
            request, etag=self.etag, last_modified=self.last_modified, response=response
        )

    def _copy_headers(self, response):
        for name, value in self.headers:
            response[name] = value


def cached_page(view=None, *, vary_on_query=()):
    """Serve a GET from the page rendered for the current content version, rendering it once.

    The view's output may depend only on the content, the URL path, the language and the query
    parameters named in `vary_on_query`; anything of the visitor's own goes through `per_visit`.
    """

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if request.method not in {"GET", "HEAD"}:
                return view(request, *args, **kwargs)
            version = content_version()
            key = (
                version,
                get_language(),
                request.scheme,
                request.get_host(),
                request.path,
                *(request.GET.get(name, "") for name in vary_on_query),
            )
            page = _pages.get(key)
            if page is not None:
                return page.respond(request)

            request.page_slots = {}
            try:
                response = view(request, *args, **kwargs)
                if not getattr(response, "is_rendered", True):
                    response.render()
            finally:
                slots = request.page_slots
                del request.page_slots
            if response.status_code != 200 or response.streaming or response.cookies:
                return response
            page = Page(response, slots, version)
            if not getattr(response, "page_not_kept", False):
                _keep(key, page)
            return page.respond(request)

        return wrapper

    return decorator(view) if view is not None else decorator


def _keep(key, page):
    # Pages of earlier versions are never served again.
    for stale in [other for other in list(_pages) if other[0] != key[0]]:
        _pages.pop(stale, None)
    if len(_pages) < MAX_PAGES:
        _pages[key] = page
