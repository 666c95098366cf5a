"""Request bodies are judged by their headers before anything reads them (SPEC §14).

The public site takes one short form, sent form-encoded. A multipart body (how files are uploaded)
is refused there before Django's parser could write a part to a temporary file, and a body over
the limit gets 413 before a byte of it is read, on every URL. The admin keeps Django's own limit
(DATA_UPLOAD_MAX_MEMORY_SIZE), answered with 413 too rather than Django's 400. Only two headers
are looked at, so a GET costs a dictionary lookup or two. An admin address whose query holds a NUL
character is refused too: PostgreSQL cannot compare text holding one, so any admin search or
filter with it would fail with a 500.
"""

from django.conf import settings
from django.middleware.clickjacking import XFrameOptionsMiddleware
from django.middleware.csp import ContentSecurityPolicyMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext_lazy as _

# SPEC §2 fixes the admin's address; every other URL is public.
ADMIN_PREFIX = "/admin/"


def refusal(meta, path):
    """(status, reason) for a request the site will not read, or None."""
    if path.startswith(ADMIN_PREFIX) and "%00" in meta.get("QUERY_STRING", ""):
        return 400, _("The address holds a character the site cannot read.")
    length = meta.get("CONTENT_LENGTH")
    if not length:
        # Django reads no body without a length, so an unbounded chunked body would be dropped
        # silently; say so instead.
        if meta.get("HTTP_TRANSFER_ENCODING"):
            return 411, _("The request did not say how long it is.")
        return None
    try:
        size = int(length)
    except ValueError:
        size = -1
    if size < 0:
        return 400, _("The request gave an impossible length.")
    public = not path.startswith(ADMIN_PREFIX)
    limit = settings.PUBLIC_BODY_MAX_SIZE if public else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is not None and size > limit:
        return 413, _("The request was too large.")
    if public and size and meta.get("CONTENT_TYPE", "").lstrip()[:10].lower() == "multipart/":
        return 400, _("The form does not take files.")
    return None


def _refusal_page(request):
    status, reason = request.body_refusal
    # The refusal comes before the locale middleware: the page takes the language of its address
    # as that middleware would, rather than whatever language the thread served last.
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    with translation.override(language):
        return render(request, "400.html", {"problem": reason}, status=status)


class RequestBodyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # The refusal skips the middleware below this one, yet its page keeps the site's framing
        # and content policies.
        self.refuse = XFrameOptionsMiddleware(ContentSecurityPolicyMiddleware(_refusal_page))

    def __call__(self, request):
        refused = refusal(request.META, request.path_info)
        if refused is None:
            return self.get_response(request)
        request.body_refusal = refused
        return self.refuse(request)
