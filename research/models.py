import re
from fractions import Fraction

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext

from clinic.markdown import render_markdown
from clinic.models import LoadedContent, Translation, save_derived_fields, with_translation
from clinic.models import translation_of as apply_translation
from conditions.models import Condition

validate_doi = RegexValidator(r"^10\.\d{4,9}/\S+$", "Enter a DOI such as 10.1186/ar4520.")
validate_pmid = RegexValidator(r"^\d{1,9}$", "Enter the PubMed ID as digits only.")
validate_registration = RegexValidator(
    r"^NCT\d{8}$", "Enter a ClinicalTrials.gov number such as NCT01539902."
)


def validate_authors(value):
    for line in value.splitlines():
        if line.strip() and not re.match(r"^[^,]+,\s*\S", line):
            raise ValidationError(f"Write “{line.strip()}” as family name, comma, given names.")


# Journals print ranges with a hyphen or an en or em dash: 933-941, 933–941.
PAGE_RANGE = re.compile(r"\s*[-\u2013\u2014]\s*")
COUNT = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")
PERCENT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*%\s*$")


# Lists and the admin show studies by year, then by date within a year (undated last).
NEWEST_FIRST = ["-year", F("published_on").desc(nulls_last=True), "title"]


def render_summary(study, save_kwargs):
    """Render a study's (or its translation's) Markdown summary into its HTML, before saving."""
    # The summary sits under the page's own "In plain words" heading.
    study.summary_html = render_markdown(study.summary, top_heading=3).html
    save_derived_fields(save_kwargs, "summary", ["summary_html"])


class StudyQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def newest_first(self):
        return self.order_by(*NEWEST_FIRST)

    def with_translation(self, language):
        """Each study with its translation into `language` and the languages it exists in, for
        `with_findings`, which reads them in the same query (see clinic.models.translation_of)."""
        return with_translation(self, language, TRANSLATION_COLUMNS)

    def with_findings(self):
        """The studies as a list, each with its key findings, read in one query (a LEFT JOIN)
        where prefetch_related needs two: public pages keep to three queries (SPEC §11)."""
        study_fields = [f.attname for f in Study._meta.concrete_fields]
        finding_fields = [f.attname for f in KeyFinding._meta.concrete_fields]
        ordering = [*(self.query.order_by or Study._meta.ordering), "findings__order", "findings"]
        # Annotations (as from with_translation) come along as attributes.
        extra = list(self.query.annotation_select)
        rows = self.order_by(*ordering).values_list(
            *study_fields, *extra, *(f"findings__{name}" for name in finding_fields)
        )
        studies, findings = {}, {}
        for row in rows:
            pk = row[0]
            if pk not in studies:
                studies[pk] = Study.from_db(self.db, study_fields, row[: len(study_fields)])
                values = row[len(study_fields) : len(study_fields) + len(extra)]
                for name, value in zip(extra, values, strict=True):
                    setattr(studies[pk], name, value)
                findings[pk] = []
            finding = row[len(study_fields) + len(extra) :]
            if finding[0] is not None:
                findings[pk].append(KeyFinding.from_db(self.db, finding_fields, finding))
        for pk, study in studies.items():
            for finding in findings[pk]:
                finding.study = study
            # What prefetch_related("findings") leaves: study.findings.all() reads no more rows.
            related = study.findings.all()
            related._result_cache, related._prefetch_done = findings[pk], True
            study._prefetched_objects_cache = {"findings": related}
        return list(studies.values())


class Study(LoadedContent):
    title = models.CharField(max_length=400)
    slug = models.SlugField(max_length=120, unique=True)
    authors = models.TextField(
        validators=[validate_authors],
        help_text="One author per line, family name first: “Wang, Dandan”. Keep the paper's order.",
    )
    journal = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    published_on = models.DateField(
        null=True, blank=True, help_text="Issue or online date; orders studies of the same year."
    )
    volume = models.CharField(max_length=20, blank=True)
    issue = models.CharField(max_length=20, blank=True)
    pages = models.CharField("pages or article number", max_length=40, blank=True)
    doi = models.CharField("DOI", max_length=200, blank=True, validators=[validate_doi])
    pmid = models.CharField("PubMed ID", max_length=12, blank=True, validators=[validate_pmid])
    url = models.URLField("URL", blank=True, help_text="The publisher's page for the article.")
    registration = models.CharField(
        "trial registration",
        max_length=20,
        blank=True,
        validators=[validate_registration],
        help_text="ClinicalTrials.gov number, only where the paper cites it.",
    )
    design = models.CharField(
        max_length=200,
        help_text="Plain words, e.g. “Single-arm study at 4 hospitals, no control group”.",
    )
    participants = models.PositiveIntegerField()
    summary = models.TextField("plain-language summary (Markdown)")
    summary_html = models.TextField(editable=False, blank=True)
    abstract = models.TextField(blank=True, help_text="The authors' abstract, as published.")
    conditions = models.ManyToManyField(Condition, related_name="studies", blank=True)
    published = models.BooleanField(default=False)
    last_reviewed = models.DateField(
        null=True,
        blank=True,
        help_text="When an editor last checked the plain-language text against the paper; "
        "translations name the review they follow.",
    )

    objects = StudyQuerySet.as_manager()
    # The translation shown in place of the English summary, if any (see StudyTranslation.apply).
    translation = None

    class Meta:
        ordering = NEWEST_FIRST
        verbose_name_plural = "studies"

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("research:study-detail", kwargs={"slug": self.slug})

    def save(self, *args, **kwargs):
        render_summary(self, kwargs)
        super().save(*args, **kwargs)

    @property
    def text_language(self):
        return self.translation.language if self.translation else settings.LANGUAGE_CODE

    @property
    def author_names(self):
        """Authors as (family, given) pairs, in citation order."""
        names = []
        for line in self.authors.splitlines():
            if line.strip():
                family, _, given = line.partition(",")
                names.append((family.strip(), given.strip()))
        return names

    @property
    def short_authors(self):
        """Vancouver-style short list: “Wang D, Li J, … Sun L”."""
        names = [f"{family} {initials(given)}".strip() for family, given in self.author_names]
        if len(names) > 3:
            return f"{names[0]}, {names[1]}, … {names[-1]}"
        return ", ".join(names)

    @property
    def first_page(self):
        return PAGE_RANGE.split(self.pages, maxsplit=1)[0].strip()

    @property
    def last_page(self):
        parts = PAGE_RANGE.split(self.pages, maxsplit=1)
        return parts[1].strip() if len(parts) == 2 else ""

    @property
    def doi_url(self):
        return f"https://doi.org/{self.doi}" if self.doi else ""

    @property
    def pubmed_url(self):
        return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/" if self.pmid else ""

    @property
    def registration_url(self):
        return f"https://clinicaltrials.gov/study/{self.registration}" if self.registration else ""

    def json_ld(self):
        """schema.org ScholarlyArticle for the paper this page summarises."""
        data = {
            "@context": "https://schema.org",
            "@type": "ScholarlyArticle",
            "headline": self.title,
            "name": self.title,
            "author": [
                {
                    "@type": "Person",
                    "familyName": family,
                    "givenName": given,
                    "name": f"{given} {family}",
                }
                for family, given in self.author_names
            ],
            "datePublished": (
                self.published_on.isoformat() if self.published_on else str(self.year)
            ),
            "isPartOf": {
                "@type": "PublicationIssue",
                "issueNumber": self.issue,
                "isPartOf": {
                    "@type": "PublicationVolume",
                    "volumeNumber": self.volume,
                    "isPartOf": {"@type": "Periodical", "name": self.journal},
                },
            },
            "pagination": self.pages,
            "mainEntityOfPage": settings.SITE_URL + self.get_absolute_url(),
            "about": [
                {"@type": "MedicalCondition", "name": condition.name}
                for condition in self.conditions.all()
            ],
        }
        identifiers = []
        if self.doi:
            data["sameAs"] = self.doi_url
            identifiers.append({"@type": "PropertyValue", "propertyID": "DOI", "value": self.doi})
        if self.pmid:
            identifiers.append({"@type": "PropertyValue", "propertyID": "PMID", "value": self.pmid})
        if identifiers:
            data["identifier"] = identifiers
        if self.abstract:
            data["abstract"] = self.abstract
        return data

    @property
    def citation(self):
        """The reference in one line: journal year;volume(issue):pages."""
        text = f"{self.journal} {self.year}"
        if self.volume:
            text += f";{self.volume}"
            if self.issue:
                text += f"({self.issue})"
        if self.pages:
            text += f":{self.pages}"
        return text


def initials(given):
    return "".join(part[0] for part in re.split(r"[\s.\-]+", given) if part)


class KeyFinding(models.Model):
    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="findings")
    label = models.CharField(max_length=200, help_text="What was measured, in plain words.")
    value = models.CharField(max_length=40, help_text="As reported, e.g. “84 %”.")
    count = models.CharField(
        max_length=40, blank=True, help_text="The raw numbers behind it, e.g. “68/81”."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        return f"{self.label}: {self.value}"

    def clean(self):
        if self.count and not COUNT.match(self.count):
            raise ValidationError({"count": "Write the count as two numbers, e.g. 68/81."})
        fraction = self.fraction
        if fraction is not None and fraction > 1:
            raise ValidationError({"count": "The first number cannot exceed the second."})

    @property
    def fraction(self):
        match = COUNT.match(self.count)
        if match and int(match[2]):
            return Fraction(int(match[1]), int(match[2]))
        match = PERCENT.match(self.value)
        if match:
            return Fraction(match[1]) / 100
        return None

    @property
    def count_text(self):
        """“68 of 81”: reads aloud better than “68/81”."""
        match = COUNT.match(self.count)
        if not match:
            return self.count
        # Translators: a key finding's count, e.g. "68 of 81" patients.
        return gettext("%(part)s of %(whole)s") % {"part": match[1], "whole": match[2]}

    @property
    def bar_percent(self):
        """Width of the finding's bar, 0–100, or None where the value is not a share."""
        fraction = self.fraction
        if fraction is None or not 0 <= fraction <= 1:
            return None
        return round(float(fraction) * 100, 1)


class StudyTranslation(Translation):
    """A study summary's plain-language text in another language; the citation stays English."""

    study = models.ForeignKey(Study, on_delete=models.CASCADE, related_name="translations")
    original_field = "study"
    design = models.CharField(max_length=200)
    summary = models.TextField("plain-language summary (Markdown)")
    summary_html = models.TextField(editable=False, blank=True)
    finding_labels = models.JSONField(
        default=list, blank=True, help_text="The key findings' labels, in the original's order."
    )

    class Meta:
        ordering = ["study", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["study", "language"], name="one_study_translation_per_language"
            )
        ]

    def save(self, *args, **kwargs):
        render_summary(self, kwargs)
        super().save(*args, **kwargs)

    def apply(self, study):
        """The study and its findings as this language's visitors read them (in memory only)."""
        study.design, study.summary_html, study.translation = self.design, self.summary_html, self
        # Only prefetched findings are shown, and templates iterate these same instances.
        if "findings" not in getattr(study, "_prefetched_objects_cache", {}):
            return study
        for finding, label in zip(study.findings.all(), self.finding_labels, strict=False):
            finding.label = label
        return study


TRANSLATION_COLUMNS = (
    "language", "translated_on", "original_reviewed", "design", "summary_html",
    "finding_labels",
)  # fmt: skip


def translation_of(study):
    return apply_translation(study, TRANSLATION_COLUMNS)
