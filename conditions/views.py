from django.http import Http404
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from clinic.models import in_language_columns, translation_of, with_translation
from clinic.pagecache import cached_page
from conditions.models import Condition

TRANSLATION_COLUMNS = (
    "language", "translated_on", "original_reviewed", "name", "summary", "body_html", "toc_html",
)  # fmt: skip


@require_safe
@cached_page
def condition_list(request):
    return render(
        request,
        "conditions/condition_list.html",
        # Names and summaries in the list's own query, as on the home page.
        {"conditions": in_language_columns(Condition.objects.published(), ["name", "summary"])},
    )


@require_safe
@cached_page  # the inquiry form's tokens are put in for each visit
def condition_detail(request, slug):
    # One query for the page, its languages and the form's choice of conditions, each in the
    # visitor's language: a clinic has a few conditions.
    published = with_translation(
        Condition.objects.published().defer("body"), get_language(), TRANSLATION_COLUMNS
    )
    conditions = list(published)
    condition, languages = None, None
    for item in conditions:
        item_languages = translation_of(item, TRANSLATION_COLUMNS)
        if item.slug == slug:
            condition, languages = item, item_languages
    if condition is None:
        raise Http404("No such condition.")
    return render(
        request,
        "conditions/condition_detail.html",
        {"condition": condition, "conditions": conditions, "page_languages": languages},
    )
