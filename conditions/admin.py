from django.contrib import admin
from django.utils.html import format_html

from clinic import admin_preview
from conditions.models import Condition, ConditionTranslation


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


class OutdatedConditionTranslation(admin_preview.OutdatedTranslationFilter):
    original = "condition"


@admin.register(ConditionTranslation)
class ConditionTranslationAdmin(admin_preview.TranslationAdmin):
    list_display = [
        "condition", "language", "name", "translated_on", "original_reviewed", "original_review",
        "outdated",
    ]  # fmt: skip
    list_filter = ["language", OutdatedConditionTranslation]
    list_select_related = ["condition"]
    fieldsets = [
        (None, {"fields": ["condition", "language", "name", "summary"]}),
        ("Translated from", {"fields": ["translated_on", "original_reviewed", "original_review"]}),
        ("Body", {"fields": ["body", "reading_level", "preview", "updated_at"]}),
    ]

    def rendered(self, translation):
        return translation.body_html
