"""Models for answering patients (SPEC §13): replies, reply templates, routing rules and the
daily reminder digest. They refer to the inquiry models by name, so inquiries.models can import
them without a loop.
"""

import re
import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from clinic.models import site_languages
from conditions.models import Condition

# Line breaks and other control characters have no place in a one-line field (and could forge
# email headers, a subject being one); U+FFFD marks bytes that were not valid UTF-8.
SINGLE_LINE_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufffd]")
one_line = RegexValidator(
    SINGLE_LINE_FORBIDDEN, "Write the subject on one line.", inverse_match=True
)


class Reply(models.Model):
    """An email a coordinator sent the patient from admin; the text is kept as it was sent."""

    inquiry = models.ForeignKey(
        "inquiries.Inquiry", on_delete=models.CASCADE, related_name="replies"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Kept as text: who wrote to the patient stays known after the account is deleted.
    author_username = models.CharField("written by", max_length=150, editable=False)
    created_at = models.DateTimeField("written", default=timezone.now)
    subject = models.CharField(max_length=200, validators=[one_line])
    body = models.TextField(max_length=10000)
    delivery = models.OneToOneField(
        "inquiries.EmailDelivery", on_delete=models.CASCADE, related_name="reply", editable=False
    )

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "replies"

    def __str__(self):
        return f"Reply to {self.inquiry.reference}"


# What a reply template may fill in. The subject travels in email headers, which relays log:
# it may carry the reference, never the patient's name.
BODY_PLACEHOLDERS = {"name", "reference"}
SUBJECT_PLACEHOLDERS = {"reference"}


def placeholders_in(text):
    """The placeholder names in `text`; ValueError for one with a format or a conversion."""
    names = set()
    for _, name, spec, conversion in string.Formatter().parse(text):
        if name is None:
            continue
        if spec or conversion:
            raise ValueError(f"{{{name}}} must be written without “:” or “!”.")
        names.add(name)
    return names


def check_placeholders(text, allowed):
    try:
        unknown = placeholders_in(text) - allowed
    except ValueError as error:
        raise ValidationError(str(error)) from None
    if unknown:
        raise ValidationError(
            "Unknown placeholder(s): %(unknown)s. Use only %(allowed)s; write {{ and }} for "
            "literal braces.",
            params={
                "unknown": ", ".join(f"{{{name}}}" for name in sorted(unknown)),
                "allowed": ", ".join(f"{{{name}}}" for name in sorted(allowed)),
            },
        )


class ReplyTemplate(models.Model):
    """A ready-made reply, per purpose and language, filled in with the patient's details."""

    name = models.CharField("purpose", max_length=100)
    language = models.CharField(max_length=10, default="en", choices=site_languages)
    subject = models.CharField(
        max_length=200,
        validators=[one_line],
        help_text="May use {reference}; never the patient's name.",
    )
    body = models.TextField(
        max_length=10000, help_text="May use {name} (the patient's name) and {reference}."
    )

    class Meta:
        ordering = ["name", "language"]
        constraints = [
            models.UniqueConstraint(fields=["name", "language"], name="one_template_per_language")
        ]

    def __str__(self):
        return f"{self.name} ({self.language})"

    def clean(self):
        errors = {}
        for field, allowed in [("subject", SUBJECT_PLACEHOLDERS), ("body", BODY_PLACEHOLDERS)]:
            try:
                check_placeholders(getattr(self, field), allowed)
            except ValidationError as error:
                errors[field] = error
        if errors:
            raise ValidationError(errors)

    def fill(self, inquiry):
        """(subject, body) for this inquiry; the template was checked when saved."""
        values = {"name": inquiry.name, "reference": inquiry.reference}
        return self.subject.format(**values), self.body.format(**values)


class RoutingRuleQuerySet(models.QuerySet):
    def assignee_for(self, inquiry):
        """The id of the coordinator the first matching active rule names, or None (one query)."""
        return (
            self.filter(active=True, assignee__is_active=True, assignee__is_staff=True)
            .filter(Q(condition__isnull=True) | Q(condition_id=inquiry.condition_id))
            .filter(Q(language="") | Q(language=inquiry.language))
            .order_by("order", "pk")
            .values_list("assignee_id", flat=True)
            .first()
        )


class RoutingRule(models.Model):
    """Assigns new inquiries to a coordinator; rules are tried in order and the first match wins."""

    order = models.PositiveIntegerField(default=0, help_text="Lower numbers are tried first.")
    condition = models.ForeignKey(
        Condition,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text="Empty matches any condition, including “Other / not sure”.",
    )
    language = models.CharField(
        max_length=10, blank=True, choices=site_languages, help_text="Empty matches any language."
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"is_active": True, "is_staff": True},
    )
    active = models.BooleanField(default=True)

    objects = RoutingRuleQuerySet.as_manager()

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self):
        condition = self.condition.name if self.condition else "any condition"
        return f"{condition}, {self.language or 'any language'} → {self.assignee}"


class ReminderDigest(models.Model):
    """The day's email to coordinators about inquiries still waiting for a first contact.

    One per day (the unique date), created in the transaction that queues its email, so two
    workers, or the command run by hand beside the worker, never send a second one.
    """

    date = models.DateField(unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    # [{"id": …, "reference": …, "received_at": ISO time}]: what the email lists, as of created_at.
    waiting = models.JSONField(default=list)
    delivery = models.OneToOneField(
        "inquiries.EmailDelivery",
        on_delete=models.CASCADE,
        related_name="reminder_digest",
        editable=False,
    )

    class Meta:
        ordering = ["-date"]

    def __str__(self):
        return f"Reminder digest of {self.date}"
