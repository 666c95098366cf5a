"""Admin for answering patients: the reply page, replies on the inquiry, templates, routing."""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Case, When
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from inquiries import replies
from inquiries.models import Inquiry, Reply, ReplyTemplate, RoutingRule


def reply_view(model_admin, request, object_id):
    """Write (optionally from a template), preview, then send a reply to the patient."""
    inquiry = model_admin.get_object(request, unquote(object_id))
    if inquiry is None:
        raise Http404("No such inquiry.")
    if not model_admin.has_change_permission(request, inquiry):
        raise PermissionDenied
    change_url = reverse("admin:inquiries_inquiry_change", args=[inquiry.pk])
    if reason := replies.refusal(inquiry):
        messages.error(request, reason)
        return redirect(change_url)

    preview = None
    if request.method == "POST":
        form = replies.ReplyForm(request.POST)
        step = request.POST.get("step")
        if form.is_valid() and step == "send":
            try:
                replies.send_reply(inquiry, request.user, **form.cleaned_data)
            except replies.ReplyRefused as refused:
                messages.error(request, str(refused))
                return redirect(change_url)
            messages.success(request, "The reply is on its way to the patient.")
            return redirect(change_url)
        if form.is_valid() and step == "preview":
            preview = replies.preview(inquiry, request.user, **form.cleaned_data)
    else:
        form = replies.ReplyForm(initial=_from_template(request, inquiry))

    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Reply to patient – {inquiry.reference}",
        "opts": model_admin.model._meta,
        "inquiry": inquiry,
        "change_url": change_url,
        "form": form,
        "preview": preview,
        "templates": _templates_for(inquiry),
        "chosen_template": request.GET.get("template", ""),
    }
    return TemplateResponse(request, "admin/inquiries/inquiry/reply.html", context)


def _templates_for(inquiry):
    """Every template, those in the language the patient wrote in first."""
    in_language = Case(When(language=inquiry.language, then=0), default=1)
    return ReplyTemplate.objects.order_by(in_language, "name", "language")


def _from_template(request, inquiry):
    chosen = request.GET.get("template", "")
    template = ReplyTemplate.objects.filter(pk=chosen).first() if chosen.isdigit() else None
    if template is None:
        # The patient reads the subject: in the language they wrote in.
        with translation.override(inquiry.language):
            subject = gettext("Your inquiry %(reference)s") % {"reference": inquiry.reference}
        return {"subject": subject}
    try:
        subject, body = template.fill(inquiry)
    except (KeyError, IndexError, ValueError, AttributeError):
        # Saved around the checks (e.g. from a shell): say so rather than fail.
        messages.error(request, f"The template “{template}” has a placeholder it cannot fill.")
        return {}
    return {"subject": subject, "body": body}


def reply_urls(model_admin):
    def view(request, object_id):
        return reply_view(model_admin, request, object_id)

    view = model_admin.admin_site.admin_view(view)
    return [path("<path:object_id>/reply/", view, name="inquiries_inquiry_reply")]


def reply_context(model_admin, request, inquiry):
    """What the inquiry page shows beside its "Reply to patient" link."""
    if inquiry is None or not model_admin.has_change_permission(request, inquiry):
        return {}
    return {
        "reply_url": reverse("admin:inquiries_inquiry_reply", args=[inquiry.pk]),
        "reply_refusal": replies.refusal(inquiry),
        "prefers_phone": inquiry.contact_preference == Inquiry.ContactPreference.PHONE,
    }


class ReplyInline(admin.StackedInline):
    """Replies as they were sent: shown with their delivery, never edited."""

    model = Reply
    fields = ["created_at", "author_username", "subject", "body", "delivery_state"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("delivery")

    @admin.display(description="Delivery")
    def delivery_state(self, reply):
        delivery = reply.delivery
        text = delivery.get_state_display()
        if delivery.sent_at:
            text += f" {timezone.localtime(delivery.sent_at):%d %b %Y %H:%M}"
        if delivery.attempts:
            text += f", {delivery.attempts} attempt(s)"
        return f"{text}: {delivery.last_error}" if delivery.last_error else text

    # Replies belong to the inquiry: whoever may see the inquiry sees them.
    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("inquiries.view_inquiry") or request.user.has_perm(
            "inquiries.change_inquiry"
        )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReplyTemplate)
class ReplyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "language", "subject"]
    list_filter = ["language"]
    search_fields = ["name", "subject"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["order", "condition", "language", "assignee", "active"]
    list_editable = ["active"]
    list_select_related = ["condition", "assignee"]
    ordering = ["order", "pk"]
