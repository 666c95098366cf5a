from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import get_language
from django.views.decorators.http import require_safe

from clinic.models import in_language_columns
from clinic.pagecache import cached_page
from conditions.models import Condition
from research import citations
from research.models import Study, translation_of


@require_safe
@cached_page(vary_on_query=["condition"])
def study_list(request):
    studies = Study.objects.published().newest_first()
    # The filter's choices, and the condition chosen, in one query, named in the visitor's language.
    conditions = list(
        in_language_columns(
            Condition.objects.published()
            .only("slug", "name")
            .annotate(published_studies=Count("studies", filter=Q(studies__published=True))),
            ["name"],
        )
    )
    condition = None
    if slug := request.GET.get("condition"):
        condition = next((c for c in conditions if c.slug == slug), None)
        if condition is None:
            raise Http404("No such condition.")
        studies = studies.filter(conditions=condition)
    # Each study with its findings and its translation, in one query.
    translated = studies.with_translation(get_language()).with_findings()
    for study in translated:
        translation_of(study)
    return render(
        request,
        "research/study_list.html",
        {
            "studies": translated,
            "condition": condition,
            "conditions": [c for c in conditions if c.published_studies],
        },
    )


@require_safe
@cached_page
def study_detail(request, slug):
    # The study, its findings and its translation in one query; its conditions, with their names
    # in the visitor's language, in a second.
    language = get_language()
    studies = Study.objects.published().filter(slug=slug).with_translation(language).with_findings()
    if not studies:
        raise Http404("No such study.")
    prefetch_related_objects(
        studies,
        Prefetch("conditions", queryset=Condition.objects.published().names_in_language(language)),
    )
    study = studies[0]
    for condition in study.conditions.all():
        condition.name = condition.shown_name
    languages = translation_of(study)
    return render(
        request, "research/study_detail.html", {"study": study, "page_languages": languages}
    )


def _download(body, content_type, filename):
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@cached_page
def study_ris(request, slug):
    study = get_object_or_404(Study.objects.published(), slug=slug)
    return _download(
        citations.ris(study),
        "application/x-research-info-systems; charset=utf-8",
        f"{study.slug}.ris",
    )


@require_safe
@cached_page
def study_bibtex(request, slug):
    study = get_object_or_404(Study.objects.published(), slug=slug)
    return _download(
        citations.bibtex(study), "application/x-bibtex; charset=utf-8", f"{study.slug}.bib"
    )
