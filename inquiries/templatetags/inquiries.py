from django import template

from inquiries import token
from inquiries.forms import InquiryForm

register = template.Library()


@register.inclusion_tag("inquiries/includes/form.html", takes_context=True)
def inquiry_form(context, condition=None):
    """The inquiry form, for embedding in a page (a condition page preselects its condition)."""
    request = context["request"]
    form = InquiryForm(
        initial={
            "condition": condition.slug if condition else "",
            "form_token": token.make(request),
        }
    )
    return {"form": form, "request": request, "csrf_token": context.get("csrf_token")}
