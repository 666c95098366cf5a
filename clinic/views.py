from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from clinic.models import in_language_columns
from clinic.pagecache import cached_page
from conditions.models import Condition
from research.models import Study

LATEST_STUDIES = 3


@require_safe
@cached_page
def home(request):
    return render(
        request,
        "home.html",
        {
            # Names and summaries in the query of the list: the page keeps to three queries.
            "conditions": in_language_columns(Condition.objects.published(), ["name", "summary"]),
            "studies": in_language_columns(
                Study.objects.published().newest_first()[:LATEST_STUDIES], ["design"]
            ),
        },
    )


@require_safe
@cached_page
def privacy(request):
    days = settings.INQUIRY_RETENTION_DAYS
    return render(
        request,
        "privacy.html",
        {"retention_days": days, "retention_years": round(days / 365) if days >= 365 else None},
    )


@require_safe
@cached_page
def robots_txt(request):
    # The form stays findable (patients search for how to reach the clinic); the page after it
    # and the staff pages are of no use in search results. A Disallow rule is a path prefix, so
    # the thanks rule names the full path and leaves /inquire/ itself open.
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /inquire/thanks/",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")


@never_cache
@require_safe
def healthz(request):
    """For load balancers and the engineer on call: is the database answering?"""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        return JsonResponse(
            {"status": "error", "reason": "database unavailable", "detail": type(error).__name__},
            status=503,
        )
    return JsonResponse({"status": "ok", "database": "ok"})


def server_error(request):
    """The friendly 500 page, with the site's frame; plain text if even that fails."""
    try:
        return render(request, "500.html", status=500)
    except Exception:
        # The page's own sentences, in the visitor's language, without anything to render.
        text = " ".join(
            [
                gettext("Sorry, something went wrong on our side") + ".",
                gettext(
                    "This was not caused by anything you did. Our team has been told. "
                    "Please try again in a few minutes."
                ),
            ]
        )
        return HttpResponse(text, status=500, content_type="text/plain; charset=utf-8")
