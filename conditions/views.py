from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_safe

from clinic.pagecache import cached_page
from conditions.models import Condition


@require_safe
@cached_page
def condition_list(request):
    return render(
        request, "conditions/condition_list.html", {"conditions": Condition.objects.published()}
    )


@require_safe
@cached_page  # the inquiry form's tokens are put in for each visit
def condition_detail(request, slug):
    # One query for the page and the form's choice of conditions: a clinic has a few of them.
    conditions = list(Condition.objects.published().defer("body"))
    condition = next((item for item in conditions if item.slug == slug), None)
    if condition is None:
        raise Http404("No such condition.")
    return render(
        request,
        "conditions/condition_detail.html",
        {"condition": condition, "conditions": conditions},
    )
