from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from clinic.models import in_language, translate_one
from conditions.models import Condition


@require_safe
def condition_list(request):
    return render(
        request,
        "conditions/condition_list.html",
        {"conditions": in_language(Condition.objects.published())},
    )


@never_cache  # the page embeds the inquiry form, with a token for each visit
@require_safe
def condition_detail(request, slug):
    condition = get_object_or_404(Condition.objects.published(), slug=slug)
    languages = translate_one(condition)
    return render(
        request,
        "conditions/condition_detail.html",
        {"condition": condition, "page_languages": languages},
    )
