import secrets

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from clinic.models import save_derived_fields, site_languages
from conditions.models import Condition
from inquiries import form_token

# Defined beside these models, and part of them: Django finds them through this module.
from inquiries.access_log import InquiryAccess, actor_name
from inquiries.answering import (  # noqa: F401
    ReminderDigest,
    Reply,
    ReplyTemplate,
    RoutingRule,
    one_line,
)
from inquiries.ratelimit import PostCounter  # noqa: F401

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a reference read out over the phone cannot be misheard.
REFERENCE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
REFERENCE_LENGTH = 6
PHONE_MATCH_DIGITS = 9


def new_reference():
    return "INQ-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


# Named here too: migration 0008 refers to it by this name.
language_choices = site_languages


def spam_reason(form_data, token_data):
    """Why a valid form post is spam, or "": the honeypot field, or the signed token's times."""
    if form_data["website"]:
        return "honeypot"
    if token_data is None:
        return "missing or forged form token"
    if form_token.age_seconds(token_data) < settings.INQUIRY_MIN_SECONDS:
        return "sent too fast"
    if form_token.expired(token_data):
        return "form token expired"
    return ""


# What a post copies into the inquiry: the patient's fields, and where the form token says the
# visitor came from.
FORM_FIELDS = ["name", "email", "phone", "country", "message", "contact_preference"]
TOKEN_FIELDS = {
    "source_page": "p", "referrer": "r", "utm_source": "utm_source", "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign", "form_nonce": "n",
}  # fmt: skip


class NotificationState(models.TextChoices):
    """An inquiry's emails summed up in one word, the worst first."""

    FAILED = "failed", "Failed"
    PENDING = "pending", "Pending"
    CANCELLED = "cancelled", "Cancelled (data erased)"
    SENT = "sent", "Sent"
    NONE = "none", "None"


class InquiryQuerySet(models.QuerySet):
    def with_notification_state(self):
        """Each inquiry with its `notification_state` (a NotificationState); a sent email beside
        one cancelled by an erasure counts as cancelled."""
        deliveries = EmailDelivery.objects.filter(inquiry=models.OuterRef("pk"))
        State = EmailDelivery.State
        found = {
            NotificationState.FAILED: deliveries.filter(state=State.FAILED),
            NotificationState.PENDING: deliveries.filter(state__in=EmailDelivery.UNSENT),
            NotificationState.CANCELLED: deliveries.filter(state=State.CANCELLED),
            NotificationState.SENT: deliveries,
        }
        return self.annotate(
            notification_state=models.Case(
                *(
                    models.When(models.Exists(rows), then=models.Value(state))
                    for state, rows in found.items()
                ),
                default=models.Value(NotificationState.NONE),
            )
        )


class InquiryManager(models.Manager.from_queryset(InquiryQuerySet)):
    def receive(self, form_data, token_data, *, condition, ip_hash):
        """Save a valid form post as an inquiry (new, or spam) and queue its emails with it.

        `form_data` is the form's cleaned data, `token_data` its signed token's (None when missing
        or forged). A second post of the same form (a reload, a double click: the token's nonce
        is taken) returns the first inquiry instead; left to the unique constraint, so a first
        post needs no lookup.
        """
        # Imported here because inquiries.tasks imports these models.
        from inquiries.tasks import queue_deliveries

        reason = spam_reason(form_data, token_data)
        language = translation.get_language()
        inquiry = self.model(
            **{name: form_data[name] for name in FORM_FIELDS},
            **{name: (token_data or {}).get(key, "") for name, key in TOKEN_FIELDS.items()},
            condition=condition,
            consent_at=timezone.now(),
            language=language,
            # Each language's consent sentence is its own text: the version names the one shown.
            consent_version=f"{settings.INQUIRY_CONSENT_VERSION}-{language}",
            ip_hash=ip_hash,
            status=self.model.Status.SPAM if reason else self.model.Status.NEW,
            spam_reason=reason,
        )
        try:
            # The inquiry and its queued emails commit together or not at all.
            with transaction.atomic():
                inquiry.save()
                if not reason:
                    queue_deliveries(inquiry)
        except IntegrityError:
            earlier = inquiry.form_nonce and self.filter(form_nonce=inquiry.form_nonce).first()
            if not earlier:
                raise
            return earlier
        return inquiry


class Inquiry(models.Model):
    class Status(models.TextChoices):
        NEW = "new", "New"
        CONTACTED = "contacted", "Contacted"
        SCHEDULED = "scheduled", "Scheduled"
        CLOSED = "closed", "Closed"
        SPAM = "spam", "Spam"

    class ContactPreference(models.TextChoices):
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")

    reference = models.CharField(max_length=12, unique=True, editable=False)
    created_at = models.DateTimeField("received", default=timezone.now, db_index=True)

    name = models.CharField(max_length=120)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=40, blank=True)
    # The number's digits, so that "+44 20 7946 0000" and "020 7946 0000" can be matched.
    phone_digits = models.CharField(max_length=40, blank=True, editable=False, db_index=True)
    country = models.CharField(max_length=80, blank=True)
    condition = models.ForeignKey(
        Condition,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty means “Other / not sure”.",
    )
    message = models.TextField()
    contact_preference = models.CharField(max_length=10, choices=ContactPreference.choices)

    language = models.CharField(
        max_length=10,
        choices=site_languages,
        default=settings.LANGUAGE_CODE,
        db_index=True,
        help_text="The language of the page the patient wrote from; their emails use it.",
    )
    consent_at = models.DateTimeField()
    consent_version = models.CharField(max_length=20)
    source_page = models.CharField("sent from page", max_length=500, blank=True)
    referrer = models.CharField(max_length=500, blank=True)
    utm_source = models.CharField(max_length=200, blank=True)
    utm_medium = models.CharField(max_length=200, blank=True)
    utm_campaign = models.CharField(max_length=200, blank=True)
    ip_hash = models.CharField("IP address (salted hash)", max_length=64, blank=True)
    form_nonce = models.CharField(max_length=32, blank=True, editable=False)
    spam_reason = models.CharField(max_length=40, blank=True)

    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.NEW, db_index=True
    )
    status_changed_at = models.DateTimeField(default=timezone.now, editable=False)
    first_contacted_at = models.DateTimeField(null=True, blank=True, editable=False)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_inquiries",
    )
    erased_at = models.DateTimeField("personal data erased", null=True, blank=True, editable=False)
    erased_by = models.CharField(max_length=150, blank=True, editable=False)

    objects = InquiryManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "inquiries"
        # Erasing cannot be undone, so it is a right of its own, not part of "change".
        permissions = [("erase_inquiry", "Can erase the personal data of an inquiry")]
        constraints = [
            # One inquiry per served form: a second post of the same form finds the first.
            models.UniqueConstraint(
                fields=["form_nonce"], condition=~Q(form_nonce=""), name="one_inquiry_per_form"
            )
        ]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        self.phone_digits = "".join(char for char in self.phone if char.isdigit())
        save_derived_fields(kwargs, "phone", ["phone_digits"])
        if self._state.adding and self.status == self.Status.NEW and self.assigned_to_id is None:
            self.assigned_to_id = RoutingRule.objects.assignee_for(self)
        if self.reference:
            return super().save(*args, **kwargs)
        # A clash is astronomically rare; retry with a fresh reference rather than fail.
        for _attempt in range(5):
            self.reference = new_reference()
            try:
                with transaction.atomic():
                    return super().save(*args, **kwargs)
            except IntegrityError:
                if not Inquiry.objects.filter(reference=self.reference).exists():
                    raise
        raise IntegrityError("Could not find a free inquiry reference.")

    def same_person(self):
        """A filter for inquiries with the same email, or a phone number ending in the same
        digits."""
        same_person = Q(email__iexact=self.email) if self.email else Q(pk__in=[])
        if len(self.phone_digits) >= PHONE_MATCH_DIGITS:
            # The last digits survive the different ways of writing a country or area code.
            same_person |= Q(phone_digits__endswith=self.phone_digits[-PHONE_MATCH_DIGITS:])
        return same_person

    def earlier_from_same_person(self):
        """Other inquiries with the same email, or a phone number ending in the same digits."""
        return (
            Inquiry.objects.filter(self.same_person()).exclude(pk=self.pk).order_by("-created_at")
        )

    def get_admin_url(self):
        return reverse("admin:inquiries_inquiry_change", args=[self.pk])

    def set_status(self, status, user=None):
        """Change the status, keeping the history; the caller saves the inquiry."""
        if status == self.status:
            return None
        change = StatusChange(
            inquiry=self, changed_by=user, from_status=self.status, to_status=status
        )
        now = timezone.now()
        if self.first_contacted_at is None and status in FIRST_CONTACT_STATUSES:
            self.first_contacted_at = now
        self.status, self.status_changed_at = status, now
        change.changed_at = now
        return change

    def change_status(self, status, user=None):
        """Change the status and save it with its history entry."""
        with transaction.atomic():
            change = self.set_status(status, user)
            if change is None:
                return False
            self.save(update_fields=["status", "status_changed_at", "first_contacted_at"])
            change.save()
        return True

    def erase_personal_data(self, by):
        """Wipe what identifies the patient; the reference, status and dates stay for statistics.

        `by` is the user who asked, or the name of the system job. Emails not yet sent are
        cancelled in the same transaction: a worker that claimed one before finds it cancelled
        when it comes to send (see inquiries/tasks.py), so no email ever goes out with blanks.
        Returns False when the data was already erased.
        """
        with transaction.atomic():
            # Two erasures at once: the second waits here, then finds nothing left to do.
            if Inquiry.objects.select_for_update().get(pk=self.pk).is_erased:
                return False
            for name in PERSONAL_FIELDS:
                setattr(self, name, "")
            self.erased_at, self.erased_by = timezone.now(), actor_name(by)
            self.save(update_fields=[*PERSONAL_FIELDS, "erased_at", "erased_by"])
            self.notes.all().delete()
            self.deliveries.filter(state=EmailDelivery.State.PENDING).update(
                state=EmailDelivery.State.CANCELLED, claimed_at=None
            )
            self.deliveries.update(last_error="")
            self.replies.update(subject="", body="")
            InquiryAccess.objects.record(by, InquiryAccess.Action.ERASED, [self])
        return True

    @property
    def is_erased(self):
        return self.erased_at is not None

    @property
    def language_name(self):
        """The language's English name, for staff: "Spanish"."""
        return get_language_info(self.language)["name"]

    @property
    def condition_name(self):
        return self.condition.name if self.condition else "Other / not sure"


# Everything a patient typed, or that could lead back to them.
PERSONAL_FIELDS = [
    "name", "email", "phone", "phone_digits", "country", "message", "referrer", "utm_source",
    "utm_medium", "utm_campaign", "ip_hash",
]  # fmt: skip
FIRST_CONTACT_STATUSES = {Inquiry.Status.CONTACTED, Inquiry.Status.SCHEDULED}


class InquiryNote(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("added", default=timezone.now)
    text = models.TextField(max_length=5000)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"Note on {self.inquiry.reference}"


class StatusChange(models.Model):
    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="status_changes")
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    from_status = models.CharField(max_length=12, choices=Inquiry.Status.choices)
    to_status = models.CharField(max_length=12, choices=Inquiry.Status.choices)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.inquiry.reference}: {self.from_status} → {self.to_status}"


class EmailKind(models.TextChoices):
    STAFF = "staff", "Staff notification"
    ACKNOWLEDGEMENT = "acknowledgement", "Patient acknowledgement"
    REPLY = "reply", "Reply to patient"
    REMINDER = "reminder", "Coordinators' reminder digest"


# Sent once for every inquiry as it arrives; replies are queued by the coordinator who writes them.
NOTIFICATIONS = [EmailKind.STAFF, EmailKind.ACKNOWLEDGEMENT]


class EmailDelivery(models.Model):
    """One email about an inquiry: its state, attempts and last error.

    The row is the source of truth for sending, so that a task run twice, or a worker that dies
    and restarts, never sends the same email twice (the states are explained in inquiries/tasks.py).
    """

    Kind = EmailKind

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled: personal data erased"

    # Still to go out: waiting for its turn or a retry, or on its way.
    UNSENT = [State.PENDING, State.SENDING]

    # Empty only for the coordinators' daily digest, which is about many inquiries.
    inquiry = models.ForeignKey(
        Inquiry, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["inquiry", "kind"]
        verbose_name_plural = "email deliveries"
        constraints = [
            # An inquiry has one of each notification, but any number of replies.
            models.UniqueConstraint(
                fields=["inquiry", "kind"],
                condition=Q(kind__in=NOTIFICATIONS),
                name="one_delivery_per_kind",
            )
        ]

    def __str__(self):
        about = self.inquiry.reference if self.inquiry_id else "coordinators"
        return f"{self.get_kind_display()} for {about}: {self.get_state_display()}"
