"""The access log: who saw, exported or erased which inquiry. Defined beside the inquiry
models and part of them; it refers to them by name, so inquiries.models can import it.
"""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.utils import timezone


def actor_name(actor):
    """The name to keep for whoever acted: a user's username, or a system job's name."""
    get_username = getattr(actor, "get_username", None)
    return (get_username() if get_username else str(actor))[:150]


class InquiryAccessManager(models.Manager):
    def record(self, by, action, inquiries):
        """Log that `by` (a user, or a system job's name) did `action` to each of `inquiries`.

        One row per inquiry, so "who saw this patient's data" is one indexed query. The username
        is copied, so the answer survives the user's deletion; nothing else about the request
        (search words, filters) is kept.
        """
        user = by if isinstance(by, AbstractBaseUser) else None
        username, now = actor_name(by), timezone.now()
        return self.bulk_create(
            self.model(inquiry=inquiry, user=user, username=username, action=action, at=now)
            for inquiry in inquiries
        )


class InquiryAccess(models.Model):
    """Who saw, exported or erased which inquiry, and when: for superusers to audit.

    Written only through `InquiryAccess.objects.record()`.
    """

    class Action(models.TextChoices):
        LISTED = "listed", "Listed"
        VIEWED = "viewed", "Viewed"
        EXPORTED = "exported", "Exported"
        ERASED = "erased", "Erased personal data"

    inquiry = models.ForeignKey(
        "inquiries.Inquiry", on_delete=models.CASCADE, related_name="accesses"
    )
    # Kept for the link to the account; the name below is what the audit relies on.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    username = models.CharField("user", max_length=150, db_index=True)
    action = models.CharField(max_length=10, choices=Action.choices, default=Action.VIEWED)
    at = models.DateTimeField("when", default=timezone.now, db_index=True)

    objects = InquiryAccessManager()

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = "inquiry access"
        verbose_name_plural = "inquiry access log"

    def __str__(self):
        return f"{self.username} {self.get_action_display().lower()} {self.inquiry.reference}"
