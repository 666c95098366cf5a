"""The rendered preview and reading level that content editors see in admin."""

from django.contrib import admin
from django.db.models import F
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from clinic.readability import fernandez_huerta, grade_level

TARGET_GRADE = 8
# Fernández Huerta's reading ease for plain everyday Spanish, about grade 8 to 9.
TARGET_EASE_ES = 60


def preview(html):
    if not html:
        return "Save to see the rendered page."
    # The stored HTML was sanitised when it was saved.
    return format_html('<div class="content-preview">{}</div>', mark_safe(html))


def reading_level(html, language="en"):
    if language == "es":
        return _spanish_reading_level(html)
    grade = grade_level(html)
    if grade is None:
        return "Too short to judge."
    verdict = "on target" if grade <= TARGET_GRADE + 1 else "harder than the target"
    return f"Grade {grade:.1f} (Flesch–Kincaid; aim for about grade {TARGET_GRADE}): {verdict}."


def _spanish_reading_level(html):
    ease = fernandez_huerta(html)
    if ease is None:
        return "Too short to judge."
    verdict = "on target" if ease >= TARGET_EASE_ES else "harder than the target"
    return (
        f"Reading ease {ease:.1f} (Fernández Huerta, for Spanish; aim for {TARGET_EASE_ES} "
        f"or more): {verdict}."
    )


class OutdatedTranslationFilter(admin.SimpleListFilter):
    """Translations whose original was reviewed again after the review they follow."""

    title = "original changed since"
    parameter_name = "outdated"
    original = None  # the translation's field naming its original

    def lookups(self, request, model_admin):
        return [("yes", "Yes: check the translation"), ("no", "No")]

    def queryset(self, request, queryset):
        later = {f"{self.original}__last_reviewed__gt": F("original_reviewed")}
        if self.value() == "yes":
            return queryset.filter(**later)
        if self.value() == "no":
            return queryset.exclude(**later)
        return queryset


class TranslationAdmin(admin.ModelAdmin):
    """What conditions and studies share: dates, the outdated flag, preview and reading level."""

    list_filter = ["language"]
    readonly_fields = ["preview", "reading_level", "original_review", "updated_at"]

    @admin.display(description="Original changed since", boolean=True)
    def outdated(self, translation):
        return translation.outdated

    @admin.display(description="Original last reviewed")
    def original_review(self, translation):
        return translation.original_review

    @admin.display(description="Reading level")
    def reading_level(self, translation):
        return reading_level(self.rendered(translation), translation.language)

    @admin.display(description="Preview of the saved text")
    def preview(self, translation):
        return preview(self.rendered(translation))
