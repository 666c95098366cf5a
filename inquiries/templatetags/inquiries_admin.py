from django import template

from inquiries import stats

register = template.Library()


@register.inclusion_tag("admin/inquiries/dashboard.html", takes_context=True)
def inquiry_dashboard(context):
    """Counts for coordinators on the admin index; nothing for staff who may not see inquiries."""
    if not context["request"].user.has_perm("inquiries.view_inquiry"):
        return {"stats": None}
    numbers = stats.dashboard()
    median = numbers["median_first_contact"]
    return {"stats": numbers, "median": stats.duration(median) if median is not None else ""}
