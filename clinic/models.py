from django.conf import settings
from django.db import models
from django.db.models import Prefetch
from django.utils.translation import get_language


class LoadedContent(models.Model):
    """Content that `load_content` keeps in step with a Markdown file in `content/`."""

    source_hash = models.CharField(
        max_length=64,
        blank=True,
        editable=False,
        help_text="SHA-256 of the content file when it was last loaded.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


def translation_languages():
    # A callable, so that a new language in settings.LANGUAGES needs no migration.
    return [(code, name) for code, name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


class Translation(LoadedContent):
    """One language's patient-facing text of an English original (SPEC §12).

    Bibliographic data and abstracts are not translated: they stay in the original.
    """

    language = models.CharField(max_length=10, choices=translation_languages)
    translated_on = models.DateField()
    original_reviewed = models.DateField(
        "from the review of",
        help_text="The original's review date the translation follows; a later review of the "
        "original means the translation needs checking.",
    )

    class Meta:
        abstract = True

    @property
    def original_review(self):
        raise NotImplementedError

    @property
    def outdated(self):
        return self.original_review is not None and self.original_review > self.original_reviewed


def in_language(queryset, language=None):
    """The rows, with the text of their translation into `language` (default: the active one).

    English stays a lazy queryset; another language costs one more query, for its translations.
    The translation replaces the text in memory only, so templates need not know about languages.
    """
    language = language or get_language()
    if language == settings.LANGUAGE_CODE:
        return queryset
    translations = queryset.model.translations.rel.related_model.objects.filter(language=language)
    rows = list(
        queryset.prefetch_related(
            Prefetch("translations", queryset=translations, to_attr="current_translations")
        )
    )
    for row in rows:
        for translation in row.current_translations:
            translation.apply(row)
    return rows


def translate_one(original, language=None):
    """Apply the translation of one row; returns the languages it exists in (one query)."""
    language = language or get_language()
    translations = list(original.translations.all())
    for translation in translations:
        if translation.language == language:
            translation.apply(original)
    return [settings.LANGUAGE_CODE, *(translation.language for translation in translations)]
