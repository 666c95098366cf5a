from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_safe

from clinic.pagecache import cached_page, not_kept, per_visit
from inquiries import form_token, ratelimit
from inquiries.forms import InquiryForm
from inquiries.models import Inquiry
from inquiries.tasks import queue_deliveries

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


def spam_reason(form, token_data):
    if form.cleaned_data["website"]:
        return "honeypot"
    if token_data is None:
        return "missing or forged form token"
    if form_token.age_seconds(token_data) < settings.INQUIRY_MIN_SECONDS:
        return "sent too fast"
    if form_token.expired(token_data):
        return "form token expired"
    return ""


def save_inquiry(form, request, token_data):
    reason = spam_reason(form, token_data)
    data = form.cleaned_data
    token_data = token_data or {}
    inquiry = Inquiry(
        name=data["name"],
        email=data["email"],
        phone=data["phone"],
        country=data["country"],
        condition=form.condition_object,
        message=data["message"],
        contact_preference=data["contact_preference"],
        consent_at=timezone.now(),
        language=translation.get_language(),
        # Each language's consent sentence is its own text: the version names the one shown.
        consent_version=f"{settings.INQUIRY_CONSENT_VERSION}-{translation.get_language()}",
        source_page=token_data.get("p", ""),
        referrer=token_data.get("r", ""),
        utm_source=token_data.get("utm_source", ""),
        utm_medium=token_data.get("utm_medium", ""),
        utm_campaign=token_data.get("utm_campaign", ""),
        ip_hash=ratelimit.ip_hash(request),
        form_nonce=token_data.get("n", ""),
        status=Inquiry.Status.SPAM if reason else Inquiry.Status.NEW,
        spam_reason=reason,
    )
    # The inquiry and its queued emails commit together or not at all.
    with transaction.atomic():
        inquiry.save()
        if not reason:
            queue_deliveries(inquiry)
    return inquiry


def _thanks(request, inquiry):
    request.session[SESSION_KEY] = inquiry.reference
    # 303: the browser fetches the thank-you page with GET, so a reload never posts again.
    response = HttpResponseRedirect(reverse("inquiries:thanks"))
    response.status_code = 303
    return response


def _earlier_submission(token_data):
    if token_data is None:
        return None
    return Inquiry.objects.filter(form_nonce=token_data["n"]).only("reference").first()


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
        return _form_page(request, form, request.POST.get("form_token", ""))
    token_data = form_token.read(form.cleaned_data["form_token"])
    try:
        inquiry = save_inquiry(form, request, token_data)
    except IntegrityError:
        # A reload or double click posts the same form again (its nonce is taken): answer with
        # the first inquiry. Left to the unique constraint, so a first post needs no lookup.
        if earlier := _earlier_submission(token_data):
            return _thanks(request, earlier)
        raise
    return _thanks(request, inquiry)


def _form_page(request, form, signed_token):
    form.initial["form_token"] = signed_token
    return render(request, "inquiries/inquiry_form.html", {"form": form})


@never_cache
@require_safe
def thanks(request):
    return render(request, "inquiries/thanks.html", {"reference": request.session.get(SESSION_KEY)})
