import re

from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from clinic.models import in_language, translate_one
from conditions.models import Condition
from research import citations
from research.models import Study

SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,120}$")


def _published_study(slug):
    studies = Study.objects.published().prefetch_related(
        "findings", Prefetch("conditions", queryset=Condition.objects.published())
    )
    return get_object_or_404(studies, slug=slug)


@require_safe
def study_list(request):
    studies = Study.objects.published().newest_first().prefetch_related("findings")
    condition = None
    if slug := request.GET.get("condition"):
        if not SLUG.match(slug):
            raise Http404("No such condition.")
        condition = get_object_or_404(Condition.objects.published(), slug=slug)
        studies = studies.filter(conditions=condition)
    return render(
        request,
        "research/study_list.html",
        {
            "studies": in_language(studies),
            "condition": condition,
            "conditions": Condition.objects.published().filter(studies__published=True).distinct(),
        },
    )


@require_safe
def study_detail(request, slug):
    study = _published_study(slug)
    languages = translate_one(study)
    return render(
        request, "research/study_detail.html", {"study": study, "page_languages": languages}
    )


def _download(body, content_type, filename):
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def study_ris(request, slug):
    study = get_object_or_404(Study.objects.published(), slug=slug)
    return _download(
        citations.ris(study),
        "application/x-research-info-systems; charset=utf-8",
        f"{study.slug}.ris",
    )


@require_safe
def study_bibtex(request, slug):
    study = get_object_or_404(Study.objects.published(), slug=slug)
    return _download(
        citations.bibtex(study), "application/x-bibtex; charset=utf-8", f"{study.slug}.bib"
    )
