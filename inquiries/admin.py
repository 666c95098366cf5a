from django.contrib import admin

from inquiries.models import EmailDelivery, Inquiry

SUBMITTED_FIELDS = [
    "reference", "created_at", "name", "email", "phone", "country", "condition", "message",
    "contact_preference", "consent_at", "consent_version", "source_page", "referrer",
    "utm_source", "utm_medium", "utm_campaign", "ip_hash", "spam_reason",
]  # fmt: skip


class EmailDeliveryInline(admin.TabularInline):
    model = EmailDelivery
    fields = ["kind", "state", "attempts", "sent_at", "next_attempt_at", "last_error"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Inquiry)
class InquiryAdmin(admin.ModelAdmin):
    list_display = ["reference", "created_at", "name", "condition", "status", "assigned_to"]
    list_filter = ["status", "condition", "assigned_to", "created_at"]
    search_fields = ["reference", "name", "email", "phone"]
    readonly_fields = SUBMITTED_FIELDS
    fields = [*SUBMITTED_FIELDS[:10], "status", "assigned_to", *SUBMITTED_FIELDS[10:]]
    inlines = [EmailDeliveryInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False
