from django import template

from clinic.models import in_language_columns
from research.models import Study

register = template.Library()


@register.inclusion_tag("research/includes/related_studies.html")
def related_studies(condition):
    """The published study summaries about a condition, for its page, in the visitor's language."""
    studies = Study.objects.published().newest_first().filter(conditions=condition)
    return {"condition": condition, "studies": in_language_columns(studies, ["design"])}
