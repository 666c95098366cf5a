from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Subquery
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


def save_derived_fields(kwargs, source, derived):
    """Make a targeted save (`save(update_fields=…)`) of `source` also write the fields computed
    from it in `save()`; `kwargs` are the save's, changed in place."""
    update_fields = kwargs.get("update_fields")
    if update_fields is not None and source in update_fields:
        kwargs["update_fields"] = {*update_fields, *derived}


def site_languages():
    # A callable for `choices`, so that a new language in settings.LANGUAGES needs no migration.
    return settings.LANGUAGES


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

    original_field = None  # the ForeignKey to the English original, e.g. "condition"

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.original} ({self.language})"

    @property
    def original(self):
        return getattr(self, self.original_field)

    @property
    def original_review(self):
        return self.original.last_reviewed

    @property
    def outdated(self):
        return self.original_review is not None and self.original_review > self.original_reviewed


def in_language_columns(queryset, fields, language=None):
    """The rows, with `fields` in `language` (default: the active one) where translated.

    Read in the rows' own query, one subquery per field, for lists of a few short fields: a second
    query for the translations would cost a page its query bound (SPEC §11). Rows get no
    `translation`, but a row left untranslated has `fallback_language` (the original's) for its
    markup to say so; in English the queryset is returned as it is.
    """
    language = language or get_language()
    if language == settings.LANGUAGE_CODE:
        return queryset
    descriptor = queryset.model.translations
    translations = descriptor.rel.related_model.objects.filter(
        **{descriptor.field.name: OuterRef("pk")}, language=language
    )
    rows = list(
        queryset.annotate(
            **{f"translated_{name}": Subquery(translations.values(name)[:1]) for name in fields}
        )
    )
    for row in rows:
        row.fallback_language = settings.LANGUAGE_CODE
        for name in fields:
            if (value := getattr(row, f"translated_{name}")) is not None:
                setattr(row, name, value)
                row.fallback_language = None
    return rows


def with_translation(queryset, language, columns):
    """The rows annotated, in their own query, with the languages they are translated into and
    with `columns` of their translation into `language`: see `translation_of`."""
    descriptor = queryset.model.translations
    model = descriptor.rel.related_model
    translations = model.objects.filter(**{descriptor.field.name: OuterRef("pk")})
    current = translations.filter(language=language)
    others = [code for code, _ in translation_languages()]
    return queryset.annotate(
        **{f"in_{code}": Exists(translations.filter(language=code)) for code in others},
        **{f"current_{name}": Subquery(current.values(name)[:1]) for name in ("id", *columns)},
    )


def translation_of(row, columns):
    """Apply the translation read by `with_translation`; returns the languages the row exists
    in."""
    if row.current_id is not None:
        model = type(row).translations.rel.related_model
        values = {name: getattr(row, f"current_{name}") for name in ("id", *columns)}
        model(**values).apply(row)
    others = [code for code, _ in translation_languages()]
    return [settings.LANGUAGE_CODE, *(code for code in others if getattr(row, f"in_{code}"))]
