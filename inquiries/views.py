from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from clinic.pagecache import cached_page, not_kept, per_visit
from inquiries import form_token, ratelimit
from inquiries.forms import InquiryForm
from inquiries.models import Inquiry

SESSION_KEY = "inquiry_reference"
ALLOWED_POST_FIELDS = {*InquiryForm.base_fields, "csrfmiddlewaretoken"}


def unexpected_fields(request):
    """Why the post is not one our form makes, or None: unreadable, unknown, repeated or files."""
    if request.content_type == "application/x-www-form-urlencoded":
        try:
            request.body.decode("utf-8")
        except UnicodeDecodeError:
            # Django would read such a body as Latin-1 and store mangled text.
            return gettext("The form was sent with characters we could not read.")
    if request.FILES:
        return gettext("The form does not take files.")
    for name, values in request.POST.lists():
        if name not in ALLOWED_POST_FIELDS:
            return gettext("The form was sent with a field it does not have.")
        if len(values) > 1:
            return gettext("The form was sent with a field twice.")
    return None


@sensitive_post_parameters()
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@cached_page(vary_on_query=["condition"])  # GET only; its tokens are put in for each visit
def create(request):
    if request.method != "POST":
        chosen = request.GET.get("condition", "")[:120]
        form = InquiryForm(
            initial={
                "condition": chosen,
                "form_token": per_visit(request, "form_token", form_token.make),
            }
        )
        response = render(request, "inquiries/inquiry_form.html", {"form": form})
        if chosen and chosen not in dict(form.fields["condition"].choices):
            not_kept(response)  # the same page as without it: not worth a place of its own
        return response

    if ratelimit.over_limit(request):
        return render(request, "inquiries/rate_limited.html", status=429)
    if problem := unexpected_fields(request):
        return render(request, "400.html", {"problem": problem}, status=400)

    form = InquiryForm(request.POST)
    if not form.is_valid():
        # Bound to the post, the page keeps the token it was first served with.
        return render(request, "inquiries/inquiry_form.html", {"form": form})
    inquiry = Inquiry.objects.receive(
        form.cleaned_data,
        form_token.read(form.cleaned_data["form_token"]),
        condition=form.condition_object,
        ip_hash=ratelimit.ip_hash(request),
    )
    request.session[SESSION_KEY] = inquiry.reference
    # 303: the browser fetches the thank-you page with GET, so a reload never posts again.
    response = HttpResponseRedirect(reverse("inquiries:thanks"))
    response.status_code = 303
    return response


@never_cache
@require_safe
def thanks(request):
    return render(request, "inquiries/thanks.html", {"reference": request.session.get(SESSION_KEY)})
