from django.contrib import admin
from django.utils.html import format_html

from clinic import admin_preview
from conditions.models import Condition, ConditionTranslation


@admin.register(Condition)
class ConditionAdmin(admin_preview.PreviewAdmin):
    list_display = ["name", "published", "last_reviewed", "review_due", "order"]
    list_filter = ["published"]
    search_fields = ["name", "summary"]
    prepopulated_fields = {"slug": ["name"]}
    fieldsets = [
        (None, {"fields": ["name", "slug", "summary", "published", "order"]}),
        ("Medical review", {"fields": ["last_reviewed", "next_review_due", "reviewed_by"]}),
        ("Body", {"fields": ["body", "reading_level", "preview", "updated_at"]}),
    ]

    preview = admin_preview.preview_field("Preview of the saved page")
    rendered_field = "body_html"

    @admin.display(description="Next review due", ordering="next_review_due")
    def review_due(self, condition):
        if condition.review_overdue:
            return format_html(
                '<strong class="errornote">{} (overdue)</strong>', condition.next_review_due
            )
        return condition.next_review_due


@admin.register(ConditionTranslation)
class ConditionTranslationAdmin(admin_preview.TranslationAdmin):
    list_display = [
        "condition", "language", "name", "translated_on", "original_reviewed", "original_review",
        "outdated",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["condition", "language", "name", "summary"]}),
        ("Translated from", {"fields": ["translated_on", "original_reviewed", "original_review"]}),
        ("Body", {"fields": ["body", "reading_level", "preview", "updated_at"]}),
    ]
    rendered_field = "body_html"
