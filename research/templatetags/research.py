from django import template

from research.models import Study

register = template.Library()


@register.inclusion_tag("research/includes/related_studies.html")
def related_studies(condition):
    """The published study summaries about a condition, for its page."""
    return {
        "condition": condition,
        "studies": Study.objects.published().newest_first().filter(conditions=condition),
    }
