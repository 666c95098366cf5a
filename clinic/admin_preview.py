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

    def __init__(self, request, params, model, model_admin):
        self.original = model.original_field
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [("yes", "Yes: check the translation"), ("no", "No")]

    def queryset(self, request, queryset):
        later = {f"{self.original}__last_reviewed__gt": F("original_reviewed")}
        if self.value() == "yes":
            return queryset.filter(**later)
        if self.value() == "no":
            return queryset.exclude(**later)
        return queryset


def preview_field(description):
    """An admin field showing the page's saved text as rendered (see PreviewAdmin.rendered)."""

    @admin.display(description=description)
    def field(model_admin, obj):
        return preview(model_admin.rendered(obj))

    return field


class PreviewAdmin(admin.ModelAdmin):
    """A page's saved text as rendered, and its reading level, beside the Markdown."""

    readonly_fields = ["preview", "reading_level", "updated_at"]
    preview = preview_field("Preview of the saved text")

    rendered_field = None  # the field with the HTML saved from the Markdown being edited

    def rendered(self, obj):
        return getattr(obj, self.rendered_field)

    def text_language(self, obj):
        return "en"

    @admin.display(description="Reading level")
    def reading_level(self, obj):
        return reading_level(self.rendered(obj), self.text_language(obj))


class TranslationAdmin(PreviewAdmin):
    """What conditions and studies share: dates, the outdated flag, preview and reading level."""

    list_filter = ["language", OutdatedTranslationFilter]
    readonly_fields = ["preview", "reading_level", "original_review", "updated_at"]

    def get_list_select_related(self, request):
        return [self.model.original_field]

    @admin.display(description="Original changed since", boolean=True)
    def outdated(self, translation):
        return translation.outdated

    @admin.display(description="Original last reviewed")
    def original_review(self, translation):
        return translation.original_review

    def text_language(self, translation):
        return translation.language
