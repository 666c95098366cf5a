import json

from django.contrib import admin, messages
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Prefetch
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from inquiries import admin_replies, export, tasks
from inquiries.access_admin import ReferenceFilter
from inquiries.models import (
    NOTIFICATIONS,
    EmailDelivery,
    Inquiry,
    InquiryAccess,
    InquiryNote,
    NotificationState,
)

SUBMITTED_FIELDS = [
    "reference", "created_at", "name", "email", "phone", "country", "condition", "message",
    "contact_preference", "language", "consent_at", "consent_version",
]  # fmt: skip
ORIGIN_FIELDS = ["source_page", "referrer", "utm_source", "utm_medium", "utm_campaign"]
RECORD_FIELDS = ["ip_hash", "spam_reason", "first_contacted_at", "erased_at", "erased_by"]
# An inquiry page shows this many access events, newest first, and links to the rest.
ACCESS_LOG_SHOWN = 20


class NotificationStateFilter(admin.SimpleListFilter):
    title = "notification state"
    parameter_name = "notification"

    def lookups(self, request, model_admin):
        return NotificationState.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(notification_state=self.value())
        return queryset


def notification_state(inquiry):
    """“sent 25 Nov 14:02”, “pending (attempt 2)”, “failed: …”, “cancelled: …” from the
    prefetched deliveries."""
    State = EmailDelivery.State
    deliveries = list(inquiry.deliveries.all())
    if inquiry.notification_state == NotificationState.NONE:
        return "none"
    if inquiry.notification_state == NotificationState.FAILED:
        failed = [d for d in deliveries if d.state == State.FAILED]
        return f"failed after {failed[0].attempts} attempt(s): {failed[0].last_error}"
    if inquiry.notification_state == NotificationState.PENDING:
        attempts = max(d.attempts for d in deliveries if d.state in EmailDelivery.UNSENT)
        return f"pending (attempt {attempts} failed, retrying)" if attempts else "pending"
    sent = [d for d in deliveries if d.state == State.SENT]
    states = []
    if sent:
        last = max(d.sent_at for d in sent)
        warnings = "; ".join(d.last_error for d in sent if d.last_error)
        states.append(f"sent {timezone.localtime(last):%d %b %H:%M}")
        if warnings:
            states[-1] += f" ({warnings})"
    if cancelled := len(deliveries) - len(sent):
        states.append(f"{cancelled} cancelled: personal data erased before sending")
    return "; ".join(states)


class InquiryNoteInline(admin.TabularInline):
    """Notes are added, never edited or removed: each keeps its author and time."""

    model = InquiryNote
    fields = ["text", "author", "created_at"]
    readonly_fields = ["author", "created_at"]
    extra = 1
    can_delete = False

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request, obj=None):
        return obj is not None and not obj.is_erased and super().has_add_permission(request, obj)


class RecordInline(admin.TabularInline):
    """Rows the system writes: shown, never edited in admin."""

    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EmailDeliveryInline(RecordInline):
    model = EmailDelivery
    fields = ["kind", "state", "attempts", "sent_at", "next_attempt_at", "last_error"]


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = [
        "reference", "created_at", "name", "condition", "language", "status", "assigned_to",
        "notifications",
    ]  # fmt: skip
    list_filter = [
        "status", "condition", "language", "assigned_to", NotificationStateFilter,
        ("created_at", admin.DateFieldListFilter),
    ]  # fmt: skip
    search_fields = ["reference", "name", "email", "phone", "phone_digits"]
    ordering = ["-created_at"]
    list_select_related = ["condition", "assigned_to"]
    list_per_page = 50
    date_hierarchy = "created_at"
    readonly_fields = [
        *SUBMITTED_FIELDS, *ORIGIN_FIELDS, *RECORD_FIELDS, "notifications", "status_history",
        "earlier_inquiries", "access_log",
    ]  # fmt: skip
    fieldsets = [
        ("Work on this inquiry", {"fields": ["status", "assigned_to", "notifications"]}),
        ("Submitted", {"fields": SUBMITTED_FIELDS}),
        ("Earlier inquiries from this person", {"fields": ["earlier_inquiries"]}),
        ("Where the visitor came from", {"fields": ORIGIN_FIELDS}),
        ("History", {"fields": ["status_history", *RECORD_FIELDS]}),
    ]
    inlines = [admin_replies.ReplyInline, InquiryNoteInline, EmailDeliveryInline]
    actions = [
        "mark_contacted", "mark_closed", "mark_spam", "assign_to_me", "resend_notifications",
        "resend_all_notifications", "export_csv", "export_person_data", "erase_personal_data",
    ]  # fmt: skip

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .with_notification_state()
            .prefetch_related(
                Prefetch("deliveries", queryset=EmailDelivery.objects.order_by("kind"))
            )
        )

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "assigned_to":
            kwargs["queryset"] = db_field.related_model.objects.filter(
                is_active=True, is_staff=True
            ).order_by("username")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        # Inquiries are never deleted: personal data is erased instead, keeping the record.
        return False

    def has_erase_permission(self, request):
        return request.user.has_perm(f"{self.opts.app_label}.erase_inquiry")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            fieldsets = [*fieldsets, ("Access log (superusers only)", {"fields": ["access_log"]})]
        return fieldsets

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and response.status_code == 200:
            # The references on the page, never the search words or filters that found them.
            InquiryAccess.objects.record(
                request.user, InquiryAccess.Action.LISTED, changelist.result_list
            )
        return response

    def get_urls(self):
        return admin_replies.reply_urls(self) + super().get_urls()

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method == "GET":
            inquiry = self.get_object(request, object_id)
            if inquiry is not None and self.has_view_or_change_permission(request, inquiry):
                InquiryAccess.objects.record(request.user, InquiryAccess.Action.VIEWED, [inquiry])
            extra_context = {
                **(extra_context or {}),
                **admin_replies.reply_context(self, request, inquiry),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if change and "status" in form.changed_data:
            new_status = obj.status
            obj.status = form.initial["status"]
            history = obj.set_status(new_status, request.user)
            super().save_model(request, obj, form, change)
            if history:
                history.save()
        else:
            super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        notes = formset.save(commit=False)
        for note in notes:
            if isinstance(note, InquiryNote) and note.pk is None:
                note.author = request.user
                note.created_at = timezone.now()
            note.save()
        formset.save_m2m()

    @admin.display(description="Notifications")
    def notifications(self, inquiry):
        return notification_state(inquiry)

    @admin.display(description="Status changes")
    def status_history(self, inquiry):
        changes = inquiry.status_changes.select_related("changed_by")
        return render_to_string("admin/inquiries/inquiry/status_history.html", {"changes": changes})

    @admin.display(description="Latest events")
    def access_log(self, inquiry):
        accesses = inquiry.accesses.all()
        query = urlencode({ReferenceFilter.parameter_name: inquiry.reference})
        return render_to_string(
            "admin/inquiries/inquiry/access_log.html",
            {
                "accesses": accesses[:ACCESS_LOG_SHOWN],
                "total": accesses.count(),
                "full_log_url": reverse("admin:inquiries_inquiryaccess_changelist") + "?" + query,
            },
        )

    @admin.display(description="Earlier inquiries")
    def earlier_inquiries(self, inquiry):
        others = inquiry.earlier_from_same_person()[:20]
        return render_to_string(
            "admin/inquiries/inquiry/earlier_inquiries.html", {"others": others}
        )

    def _change_status(self, request, queryset, status):
        changed = sum(inquiry.change_status(status, request.user) for inquiry in queryset)
        self.message_user(request, f"{changed} inquiry(ies) marked {status}.", messages.SUCCESS)

    @admin.action(description="Mark selected as contacted", permissions=["change"])
    def mark_contacted(self, request, queryset):
        self._change_status(request, queryset, Inquiry.Status.CONTACTED)

    @admin.action(description="Mark selected as closed", permissions=["change"])
    def mark_closed(self, request, queryset):
        self._change_status(request, queryset, Inquiry.Status.CLOSED)

    @admin.action(description="Mark selected as spam", permissions=["change"])
    def mark_spam(self, request, queryset):
        self._change_status(request, queryset, Inquiry.Status.SPAM)

    @admin.action(description="Assign selected to me", permissions=["change"])
    def assign_to_me(self, request, queryset):
        count = queryset.update(assigned_to=request.user)
        self.message_user(request, f"{count} inquiry(ies) assigned to you.", messages.SUCCESS)

    def _resend(self, request, queryset, resend_sent):
        deliveries = EmailDelivery.objects.filter(inquiry__in=queryset, inquiry__erased_at=None)
        if resend_sent:
            # A reply the patient already has is never sent again in bulk.
            deliveries = deliveries.filter(kind__in=NOTIFICATIONS)
        queued = sum(tasks.requeue(d, resend_sent=resend_sent) for d in deliveries)
        self.message_user(request, f"{queued} email(s) queued to be sent again.", messages.SUCCESS)

    @admin.action(description="Re-send notifications not yet sent", permissions=["change"])
    def resend_notifications(self, request, queryset):
        self._resend(request, queryset, resend_sent=False)

    @admin.action(
        description="Re-send notifications, including emails already sent", permissions=["change"]
    )
    def resend_all_notifications(self, request, queryset):
        self._resend(request, queryset, resend_sent=True)

    @admin.action(description="Export selected as CSV", permissions=["view"])
    def export_csv(self, request, queryset):
        inquiries = list(queryset.select_related("condition", "assigned_to"))
        InquiryAccess.objects.record(request.user, InquiryAccess.Action.EXPORTED, inquiries)
        response = HttpResponse(
            export.inquiries_csv(inquiries), content_type="text/csv; charset=utf-8"
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="inquiries-{stamp}.csv"'
        return response

    @admin.action(
        description="Export everything stored about these people (JSON)", permissions=["view"]
    )
    def export_person_data(self, request, queryset):
        found = export.people_behind(queryset)
        InquiryAccess.objects.record(request.user, InquiryAccess.Action.EXPORTED, found)
        data = export.person_data(found)
        response = HttpResponse(
            json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="person-data-{stamp}.json"'
        return response

    @admin.action(description="Erase personal data of selected (on request)", permissions=["erase"])
    def erase_personal_data(self, request, queryset):
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/inquiries/inquiry/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Erase personal data?",
                    "inquiries": queryset,
                    "opts": self.model._meta,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        erased = sum(inquiry.erase_personal_data(by=request.user) for inquiry in queryset)
        self.message_user(
            request,
            f"Personal data of {erased} inquiry(ies) erased; emails not yet sent are cancelled.",
            messages.SUCCESS,
        )
