from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from clinic.markdown import render_markdown
from clinic.models import LoadedContent, Translation, save_derived_fields


def render_body(page, save_kwargs):
    """Render a condition's (or its translation's) Markdown body into its HTML, before saving."""
    rendered = render_markdown(page.body)
    page.body_html, page.toc_html = rendered.html, rendered.toc_html
    save_derived_fields(save_kwargs, "body", ["body_html", "toc_html"])


class ConditionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)

    def names_in_language(self, language):
        """Each row with `shown_name`: its name in `language` where translated (same query)."""
        translated = ConditionTranslation.objects.filter(
            condition=models.OuterRef("pk"), language=language
        ).values("name")[:1]
        return self.annotate(shown_name=Coalesce(models.Subquery(translated), "name"))


class Condition(LoadedContent):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    summary = models.CharField(
        max_length=300, help_text="One plain sentence, shown in lists and to search engines."
    )
    body = models.TextField("body (Markdown)")
    body_html = models.TextField(editable=False, blank=True)
    toc_html = models.TextField(editable=False, blank=True)
    published = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0, help_text="Lower numbers come first in lists.")
    last_reviewed = models.DateField()
    next_review_due = models.DateField()
    reviewed_by = models.CharField(max_length=120)

    objects = ConditionQuerySet.as_manager()
    # The translation shown in place of the English text, if any (see ConditionTranslation.apply).
    translation = None

    class Meta:
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("conditions:detail", kwargs={"slug": self.slug})

    def clean(self):
        if (
            self.last_reviewed
            and self.next_review_due
            and self.next_review_due <= self.last_reviewed
        ):
            raise ValidationError(
                {"next_review_due": "The next review must come after the last one."}
            )

    def save(self, *args, **kwargs):
        render_body(self, kwargs)
        super().save(*args, **kwargs)

    @property
    def text_language(self):
        return self.translation.language if self.translation else settings.LANGUAGE_CODE

    def json_ld(self):
        """schema.org MedicalWebPage about this MedicalCondition."""
        url = settings.SITE_URL + self.get_absolute_url()
        return {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage",
            "url": url,
            "name": self.name,
            "description": self.summary,
            "inLanguage": self.text_language,
            "lastReviewed": self.last_reviewed.isoformat(),
            "reviewedBy": {"@type": "Organization", "name": self.reviewed_by},
            "audience": {"@type": "PeopleAudience", "audienceType": "Patient"},
            "about": {"@type": "MedicalCondition", "name": self.name, "url": url},
        }

    @property
    def review_overdue(self):
        return self.next_review_due < timezone.localdate()


class ConditionTranslation(Translation):
    """A condition page's name, summary and body in another language."""

    condition = models.ForeignKey(Condition, on_delete=models.CASCADE, related_name="translations")
    original_field = "condition"
    name = models.CharField(max_length=120)
    summary = models.CharField(max_length=300)
    body = models.TextField("body (Markdown)")
    body_html = models.TextField(editable=False, blank=True)
    toc_html = models.TextField(editable=False, blank=True)

    class Meta:
        ordering = ["condition", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["condition", "language"], name="one_condition_translation_per_language"
            )
        ]

    def save(self, *args, **kwargs):
        render_body(self, kwargs)
        super().save(*args, **kwargs)

    def apply(self, condition):
        """The condition as this language's visitors read it (in memory only)."""
        for name in ("name", "summary", "body_html", "toc_html"):
            setattr(condition, name, getattr(self, name))
        condition.translation = self
        return condition
