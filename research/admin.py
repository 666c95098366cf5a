from django.contrib import admin

from clinic import admin_preview
from research.models import KeyFinding, Study, StudyTranslation


class KeyFindingInline(admin.TabularInline):
    model = KeyFinding
    extra = 1
    fields = ["order", "label", "value", "count"]


@admin.register(Study)
class StudyAdmin(admin_preview.PreviewAdmin):
    list_display = ["title", "year", "journal", "participants", "published"]
    list_filter = ["published", "conditions", "year"]
    search_fields = ["title", "authors", "doi", "pmid"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["conditions"]
    inlines = [KeyFindingInline]
    fieldsets = [
        (None, {"fields": ["title", "slug", "published", "conditions"]}),
        (
            "Citation",
            {
                "fields": [
                    "authors",
                    "journal",
                    "year",
                    "published_on",
                    "volume",
                    "issue",
                    "pages",
                    "doi",
                    "pmid",
                    "url",
                    "registration",
                ]
            },
        ),  # fmt: skip
        ("Study", {"fields": ["design", "participants", "abstract", "last_reviewed"]}),
        (
            "Plain-language summary",
            {"fields": ["summary", "reading_level", "preview", "updated_at"]},
        ),
    ]

    preview = admin_preview.preview_field("Preview of the saved summary")
    rendered_field = "summary_html"


@admin.register(StudyTranslation)
class StudyTranslationAdmin(admin_preview.TranslationAdmin):
    list_display = [
        "study", "language", "translated_on", "original_reviewed", "original_review", "outdated",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["study", "language", "design", "finding_labels"]}),
        ("Translated from", {"fields": ["translated_on", "original_reviewed", "original_review"]}),
        (
            "Plain-language summary",
            {"fields": ["summary", "reading_level", "preview", "updated_at"]},
        ),
    ]
    rendered_field = "summary_html"
