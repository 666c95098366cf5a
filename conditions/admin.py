from django.contrib import admin
from django.utils.html import format_html

from clinic import admin_preview
from conditions.models import Condition


@admin.register(Condition)
class ConditionAdmin(admin.ModelAdmin):
    list_display = ["name", "published", "last_reviewed", "review_due", "order"]
    list_filter = ["published"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["preview", "reading_level", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "published", "order"]}),
        ("Medical review", {"fields": ["last_reviewed", "next_review_due", "reviewed_by"]}),
        ("Body", {"fields": ["body", "reading_level", "preview", "updated_at"]}),
    ]

    @admin.display(description="Next review due", ordering="next_review_due")
    def review_due(self, condition):
        if condition.review_overdue:
            return format_html(
                '<strong class="errornote">{} (overdue)</strong>', condition.next_review_due
            )
        return condition.next_review_due

    @admin.display(description="Preview of the saved page")
    def preview(self, condition):
        return admin_preview.preview(condition.body_html)

    @admin.display(description="Reading level")
    def reading_level(self, condition):
        return admin_preview.reading_level(condition.body_html)
