"""Loading condition pages and study summaries from Markdown files with TOML front matter.

The format is described in docs/content.md. Every file is read and validated before anything is
written, and the writes happen in one transaction: a bad file changes nothing.
"""

import datetime
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import models, transaction

from clinic.models import translation_languages
from conditions.models import Condition, ConditionTranslation
from research.models import KeyFinding, Study, StudyTranslation

FENCE = "+++"
CONDITION_FIELDS = {
    "name", "slug", "summary", "published", "order", "last_reviewed", "next_review_due",
    "reviewed_by",
}  # fmt: skip
STUDY_FIELDS = {
    "title", "slug", "authors", "journal", "year", "published_on", "volume", "issue", "pages",
    "doi", "pmid", "url", "registration", "design", "participants", "conditions", "published",
    "abstract", "findings", "last_reviewed",
}  # fmt: skip
FINDING_FIELDS = {"label", "value", "count"}
TRANSLATION_DATES = {"translated_on", "original_reviewed"}
CONDITION_TRANSLATION_FIELDS = {"name", "summary", *TRANSLATION_DATES}
STUDY_TRANSLATION_FIELDS = {"design", *TRANSLATION_DATES}


class ContentError(Exception):
    def __init__(self, path, message, field=None):
        where = f"{path}: field '{field}'" if field else str(path)
        super().__init__(f"{where}: {message.rstrip('.')}.")


@dataclass
class ContentFile:
    path: Path
    meta: dict
    body: str
    digest: str


@dataclass
class Tally:
    created: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    # Of the translations beside the originals: "slug (language)".
    translations: "Tally | None" = None

    def summary(self, noun):
        return (
            f"{noun}: {len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.unchanged)} unchanged."
        )


def read_content_file(path, shown_as=None):
    shown_as = shown_as or path
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8").replace("\r\n", "\n")
    except UnicodeDecodeError:
        raise ContentError(shown_as, "is not UTF-8 text") from None
    if "\x00" in text:
        raise ContentError(shown_as, "contains a NUL character")
    if not text.startswith(FENCE + "\n"):
        raise ContentError(shown_as, f"must start with front matter between two '{FENCE}' lines")
    front, sep, body = text[len(FENCE) + 1 :].partition(f"\n{FENCE}\n")
    if not sep:
        front, sep, body = text[len(FENCE) + 1 :].partition(f"\n{FENCE}")
        if not sep or body.strip():
            raise ContentError(shown_as, f"front matter has no closing '{FENCE}' line")
    try:
        meta = tomllib.loads(front)
    except tomllib.TOMLDecodeError as error:
        raise ContentError(shown_as, f"front matter is not valid TOML ({error})") from None
    meta.setdefault("slug", path.stem)
    body = body.strip()
    return ContentFile(shown_as, meta, body + "\n" if body else "", hashlib.sha256(raw).hexdigest())


def _typed(path, model, meta, allowed, prefix=""):
    """Check each front-matter value's TOML type against its model field; returns model kwargs."""
    values = {}
    for name, value in meta.items():
        if name not in allowed:
            raise ContentError(path, "is not a known field", field=prefix + name)
        model_field = model._meta.get_field(name)
        if isinstance(model_field, models.BooleanField):
            ok, expected = isinstance(value, bool), "true or false"
        elif isinstance(model_field, models.DateField):
            ok = isinstance(value, datetime.date) and not isinstance(value, datetime.datetime)
            expected = "a date such as 2026-11-20"
        elif isinstance(model_field, models.IntegerField):
            ok, expected = isinstance(value, int) and not isinstance(value, bool), "a whole number"
        elif isinstance(value, str) and "\x00" in value:
            raise ContentError(path, "contains a NUL character", field=prefix + name)
        else:
            # Numbers are accepted for text fields such as volume = 16.
            ok = isinstance(value, str | int) and not isinstance(value, bool)
            expected = "text"
            value = str(value)
        if not ok:
            raise ContentError(path, f"must be {expected}", field=prefix + name)
        values[name] = value
    return values


def _validate(content, instance, exclude=(), prefix=""):
    """full_clean(), with the first problem reported as a ContentError naming file and field."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as error:
        name, messages = next(iter(error.message_dict.items()))
        raise ContentError(content.path, " ".join(messages), field=prefix + name) from None


def _string_list(content, name):
    value = content.meta.get(name, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ContentError(content.path, "must be a list of strings", field=name)
    return value


def build_condition(content):
    condition = Condition(
        body=content.body, **_typed(content.path, Condition, content.meta, CONDITION_FIELDS)
    )
    _validate(content, condition)
    return condition


def build_study(content, known_conditions):
    meta = dict(content.meta)
    unknown = set(meta) - STUDY_FIELDS
    if unknown:
        raise ContentError(content.path, "is not a known field", field=sorted(unknown)[0])
    authors = _string_list(content, "authors")
    conditions = _string_list(content, "conditions")
    for slug in conditions:
        if slug not in known_conditions:
            raise ContentError(
                content.path, f"no condition has the slug {slug!r}", field="conditions"
            )
    findings = meta.pop("findings", [])
    if not isinstance(findings, list) or not all(isinstance(item, dict) for item in findings):
        raise ContentError(content.path, "must be a list of [[findings]] tables", field="findings")
    meta.pop("conditions", None)
    meta["authors"] = "\n".join(authors)
    study = Study(summary=content.body, **_typed(content.path, Study, meta, STUDY_FIELDS))
    _validate(content, study)
    built_findings = []
    for index, item in enumerate(findings):
        prefix = f"findings[{index + 1}]."
        finding = KeyFinding(
            order=index, **_typed(content.path, KeyFinding, item, FINDING_FIELDS, prefix)
        )
        _validate(content, finding, exclude=["study"], prefix=prefix)
        built_findings.append(finding)
    return study, conditions, built_findings


def _field_values(instance):
    return {
        f.attname: getattr(instance, f.attname)
        for f in instance._meta.concrete_fields
        if not f.primary_key and f.attname not in {"created_at", "updated_at"}
    }


def _upsert(model, instance, digest, tally):
    """Create or update `instance`'s row by slug; the saved row, or None when unchanged."""
    existing = model.objects.filter(slug=instance.slug).first()
    if existing is None:
        instance.source_hash = digest
        instance.save()
        tally.created.append(instance.slug)
        return instance
    if existing.source_hash == digest:
        tally.unchanged.append(instance.slug)
        return None
    for name, value in _field_values(instance).items():
        setattr(existing, name, value)
    existing.source_hash = digest
    existing.save()
    tally.updated.append(instance.slug)
    return existing


def _translation_language(path):
    """The language code of `slug.es.md`, or None for an original."""
    stem = path.name.removesuffix(".md")
    return stem.rpartition(".")[2] if "." in stem else None


def _collect(folder, root):
    """(originals, translations) of a folder, read and parsed."""
    if not folder.is_dir():
        return [], []
    originals, translations = [], []
    others = [code for code, _name in translation_languages()]
    for path in sorted(folder.glob("*.md")):
        content = read_content_file(path, path.relative_to(root.parent))
        language = _translation_language(path)
        if language is None:
            originals.append(content)
            continue
        if language not in others:
            raise ContentError(
                content.path,
                f"'{language}' in the file name is not one of the site's other languages "
                f"({', '.join(others)})",
            )
        if "slug" in content.meta and content.meta["slug"] != path.stem:
            raise ContentError(content.path, "takes its slug from the original", field="slug")
        content.meta.pop("slug", None)
        content.language = language
        content.original_slug = path.name.removesuffix(f".{language}.md")
        translations.append(content)
    return originals, translations


def _translation_body(content):
    if not content.body.strip():
        raise ContentError(content.path, "has no translated text after the front matter")
    return content.body


def build_condition_translation(content, originals):
    original = originals.get(content.original_slug)
    if original is None:
        raise ContentError(content.path, f"has no original {content.original_slug}.md")
    translation = ConditionTranslation(
        condition=original,
        language=content.language,
        body=_translation_body(content),
        **_typed(content.path, ConditionTranslation, content.meta, CONDITION_TRANSLATION_FIELDS),
    )
    _validate(content, translation, exclude=["condition"])
    return translation


def build_study_translation(content, originals, finding_counts):
    original = originals.get(content.original_slug)
    if original is None:
        raise ContentError(content.path, f"has no original {content.original_slug}.md")
    meta = dict(content.meta)
    labels = meta.pop("findings", [])
    if not isinstance(labels, list) or not all(isinstance(item, str) for item in labels):
        raise ContentError(content.path, "must be a list of labels (text)", field="findings")
    if len(labels) != finding_counts[content.original_slug]:
        raise ContentError(
            content.path,
            f"has {len(labels)} labels for the original's "
            f"{finding_counts[content.original_slug]} findings",
            field="findings",
        )
    translation = StudyTranslation(
        study=original,
        language=content.language,
        summary=_translation_body(content),
        finding_labels=labels,
        **_typed(content.path, StudyTranslation, meta, STUDY_TRANSLATION_FIELDS),
    )
    _validate(content, translation, exclude=["study", "finding_labels"])
    for index, label in enumerate(labels):
        if not label.strip() or len(label) > 200 or "\x00" in label:
            raise ContentError(
                content.path, "must be text of 1 to 200 characters", field=f"findings[{index + 1}]"
            )
    return translation


def _upsert_translation(model, translation, original, digest, tally):
    """Create or update the translation of `original` in its language, like _upsert."""
    translation_of = {"condition" if model is ConditionTranslation else "study": original}
    existing = model.objects.filter(language=translation.language, **translation_of).first()
    label = f"{original.slug} ({translation.language})"
    if existing is not None and existing.source_hash == digest:
        tally.unchanged.append(label)
        return
    if existing is not None:
        for name, value in _field_values(translation).items():
            setattr(existing, name, value)
        translation = existing
    for name, value in translation_of.items():
        setattr(translation, name, value)
    translation.source_hash = digest
    translation.save()
    (tally.updated if existing is not None else tally.created).append(label)


def _check_unique_slugs(items):
    seen = {}
    for content, instance in items:
        if instance.slug in seen:
            raise ContentError(
                content.path, f"{seen[instance.slug]} has the same slug", field="slug"
            )
        seen[instance.slug] = content.path


def load_content(root):
    """Load PATH/conditions/*.md and PATH/research/*.md; returns the two tallies."""
    root = Path(root)
    if not root.is_dir():
        raise ContentError(root, "is not a folder")
    if not (root / "conditions").is_dir() and not (root / "research").is_dir():
        raise ContentError(root, "has neither a conditions/ nor a research/ folder")

    condition_files, condition_translation_files = _collect(root / "conditions", root)
    conditions = [(c, build_condition(c)) for c in condition_files]
    _check_unique_slugs(conditions)
    known = {c.slug for _, c in conditions} | set(Condition.objects.values_list("slug", flat=True))
    study_files, study_translation_files = _collect(root / "research", root)
    studies = [(s, build_study(s, known)) for s in study_files]
    _check_unique_slugs([(s, built[0]) for s, built in studies])

    # A translation follows an original loaded now or earlier; both are checked before writing.
    condition_originals = {c.slug: c for c in Condition.objects.all()}
    condition_originals.update({c.slug: c for _, c in conditions})
    condition_translations = [
        (t, build_condition_translation(t, condition_originals))
        for t in condition_translation_files
    ]
    study_originals = {s.slug: s for s in Study.objects.all()}
    study_originals.update({built[0].slug: built[0] for _, built in studies})
    finding_counts = dict(
        KeyFinding.objects.values_list("study__slug").annotate(count=models.Count("pk"))
    )
    finding_counts.update({built[0].slug: len(built[2]) for _, built in studies})
    study_translations = [
        (t, build_study_translation(t, study_originals, finding_counts))
        for t in study_translation_files
    ]

    condition_tally = Tally(translations=Tally())
    study_tally = Tally(translations=Tally())
    with transaction.atomic():
        for content, condition in conditions:
            _upsert(Condition, condition, content.digest, condition_tally)
        by_slug = {c.slug: c for c in Condition.objects.all()}
        for content, (study, condition_slugs, findings) in studies:
            saved = _upsert(Study, study, content.digest, study_tally)
            if saved is None:
                continue
            saved.conditions.set([by_slug[slug] for slug in condition_slugs])
            saved.findings.all().delete()
            for finding in findings:
                finding.study = saved
            KeyFinding.objects.bulk_create(findings)
        for content, translation in condition_translations:
            original = by_slug[content.original_slug]
            _upsert_translation(
                ConditionTranslation, translation, original, content.digest,
                condition_tally.translations,
            )  # fmt: skip
        studies_by_slug = {s.slug: s for s in Study.objects.all()}
        for content, translation in study_translations:
            original = studies_by_slug[content.original_slug]
            _upsert_translation(
                StudyTranslation, translation, original, content.digest, study_tally.translations
            )
    return condition_tally, study_tally
