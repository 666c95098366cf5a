from django import template

from clinic.pagecache import per_visit
from inquiries import form_token
from inquiries.forms import InquiryForm

register = template.Library()


@register.inclusion_tag("inquiries/includes/form.html", takes_context=True)
def inquiry_form(context, condition=None, conditions=None):
    """The inquiry form, for embedding in a page (a condition page preselects its condition).

    `conditions`, the published conditions when the page has them already, saves a query.
    """
    request = context["request"]
    form = InquiryForm(
        initial={
            "condition": condition.slug if condition else "",
            "form_token": per_visit(request, "form_token", form_token.make),
        },
        conditions=conditions,
    )
    return {"form": form, "request": request}
