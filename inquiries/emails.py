"""The emails sent about an inquiry, built from templates in templates/emails/."""

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from inquiries.models import EmailDelivery
from inquiries.stats import duration


def message_id(inquiry, kind):
    """Stable for an inquiry and kind of email, so a receiving system can spot a duplicate."""
    return f"<{inquiry.reference}.{kind}@{urlsplit(settings.SITE_URL).hostname}>"


def _message(template, context, *, to, headers, reply_to=()):
    # Subjects come from our own templates and never hold the patient's words.
    subject = " ".join(render_to_string(f"emails/{template}-subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject,
        render_to_string(f"emails/{template}-body.txt", context),
        settings.DEFAULT_FROM_EMAIL,
        to=to,
        reply_to=list(reply_to),
        headers=headers,
    )
    message.attach_alternative(
        render_to_string(f"emails/{template}-body.html", context), "text/html"
    )
    return message


def staff_notification(inquiry):
    kind = EmailDelivery.Kind.STAFF
    context = {
        "inquiry": inquiry,
        "admin_url": settings.SITE_URL + inquiry.get_admin_url(),
        "include_details": settings.INQUIRY_EMAIL_INCLUDE_DETAILS,
    }
    # Without details, nothing ties the patient to a condition: no condition, no Reply-To.
    with translation.override(settings.LANGUAGE_CODE):
        return _message(
            "inquiry-staff",
            context,
            to=settings.INQUIRY_NOTIFY_EMAILS,
            reply_to=[inquiry.email] if settings.INQUIRY_EMAIL_INCLUDE_DETAILS else [],
            headers={"Message-ID": message_id(inquiry, kind)},
        )


def acknowledgement(inquiry):
    kind = EmailDelivery.Kind.ACKNOWLEDGEMENT
    context = {"inquiry": inquiry, "SITE_NAME": settings.SITE_NAME, "SITE_URL": settings.SITE_URL}
    # The patient reads it in the language they wrote in, whatever the worker's language.
    with translation.override(inquiry.language):
        return _message(
            "inquiry-acknowledgement",
            context,
            to=[inquiry.email],
            headers={"Message-ID": message_id(inquiry, kind)},
        )


BUILDERS = {
    EmailDelivery.Kind.STAFF: staff_notification,
    EmailDelivery.Kind.ACKNOWLEDGEMENT: acknowledgement,
}


def reply_to_patient(reply):
    """A coordinator's reply, threaded under the acknowledgement the patient already has."""
    inquiry = reply.inquiry
    acknowledgement_id = message_id(inquiry, EmailDelivery.Kind.ACKNOWLEDGEMENT)
    context = {"reply": reply, "inquiry": inquiry, "SITE_NAME": settings.SITE_NAME}
    with translation.override(inquiry.language):
        return _message(
            "inquiry-reply",
            context,
            to=[inquiry.email],
            reply_to=settings.INQUIRY_REPLY_TO,
            headers={
                "Message-ID": message_id(inquiry, f"reply-{reply.pk}"),
                "In-Reply-To": acknowledgement_id,
                "References": acknowledgement_id,
            },
        )


def reminder_digest(digest):
    """References, waiting times and admin links: nothing about the patients themselves."""
    created_at = digest.created_at
    waiting = [
        {
            "reference": item["reference"],
            "waited": duration(created_at - datetime.fromisoformat(item["received_at"])),
            "admin_url": settings.SITE_URL
            + reverse("admin:inquiries_inquiry_change", args=[item["id"]]),
        }
        for item in digest.waiting
    ]
    return _message(
        "inquiry-reminder",
        {"waiting": waiting, "count": len(waiting), "date": digest.date},
        to=settings.INQUIRY_NOTIFY_EMAILS,
        headers={"Message-ID": f"<reminders-{digest.date}@{urlsplit(settings.SITE_URL).hostname}>"},
    )


def build(delivery):
    """The message a delivery sends."""
    if delivery.kind == EmailDelivery.Kind.REPLY:
        return reply_to_patient(delivery.reply)
    if delivery.kind == EmailDelivery.Kind.REMINDER:
        return reminder_digest(delivery.reminder_digest)
    return BUILDERS[delivery.kind](delivery.inquiry)
