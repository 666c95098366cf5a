"""Inquiries as CSV, safe to open in a spreadsheet, and a person's data as JSON."""

import csv
import io

from django.db.models import Q
from django.utils import timezone

from inquiries.models import Inquiry

# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = [
    ("Reference", lambda i: i.reference),
    ("Received", lambda i: timezone.localtime(i.created_at).strftime("%Y-%m-%d %H:%M")),
    ("Status", lambda i: i.get_status_display()),
    ("Assigned to", lambda i: i.assigned_to.get_username() if i.assigned_to else ""),
    ("Name", lambda i: i.name),
    ("Email", lambda i: i.email),
    ("Phone", lambda i: i.phone),
    ("Country", lambda i: i.country),
    ("Condition", lambda i: i.condition_name),
    ("Contact by", lambda i: i.get_contact_preference_display()),
    ("Message", lambda i: i.message),
    ("Sent from", lambda i: i.source_page),
]


def neutralise(value):
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def inquiries_csv(inquiries):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([title for title, _ in COLUMNS])
    for inquiry in inquiries:
        writer.writerow([neutralise(value(inquiry)) for _, value in COLUMNS])
    return buffer.getvalue()


def people_behind(inquiries):
    """Every inquiry of the people behind `inquiries`, found by the email or phone number of each
    selected one (so their other inquiries come too), in one query."""
    selected = list(inquiries)
    same_people = Q(pk__in=[inquiry.pk for inquiry in selected])
    for inquiry in selected:
        same_people |= inquiry.same_person()
    return list(
        Inquiry.objects.filter(same_people)
        .select_related("condition", "assigned_to")
        .prefetch_related(
            "status_changes__changed_by", "notes__author", "replies__delivery", "deliveries"
        )
        .order_by("created_at", "pk")
    )


def person_data(found):
    """Everything stored about the inquiries `people_behind` found, for a request under GDPR
    Art. 15/20."""
    return {
        "exported_at": timezone.now().isoformat(),
        "inquiries": [_inquiry_data(inquiry) for inquiry in found],
    }


def _username(user):
    return user.get_username() if user else None


def _inquiry_data(inquiry):
    return {
        "reference": inquiry.reference,
        "received_at": inquiry.created_at,
        "name": inquiry.name,
        "email": inquiry.email,
        "phone": inquiry.phone,
        "country": inquiry.country,
        "condition": inquiry.condition_name,
        "message": inquiry.message,
        "contact_preference": inquiry.contact_preference,
        "language": inquiry.language,
        "consent": {"given_at": inquiry.consent_at, "text_version": inquiry.consent_version},
        "sent_from_page": inquiry.source_page,
        "referrer": inquiry.referrer,
        "utm_source": inquiry.utm_source,
        "utm_medium": inquiry.utm_medium,
        "utm_campaign": inquiry.utm_campaign,
        "ip_address_salted_hash": inquiry.ip_hash,
        "status": inquiry.status,
        "assigned_to": _username(inquiry.assigned_to),
        "first_contacted_at": inquiry.first_contacted_at,
        "personal_data_erased_at": inquiry.erased_at,
        "status_history": [
            {
                "at": change.changed_at,
                "by": _username(change.changed_by),
                "from": change.from_status,
                "to": change.to_status,
            }
            for change in inquiry.status_changes.all()
        ],
        "staff_notes": [
            {"at": note.created_at, "by": _username(note.author), "text": note.text}
            for note in inquiry.notes.all()
        ],
        "replies": [
            {
                "at": reply.created_at,
                "by": reply.author_username,
                "subject": reply.subject,
                "body": reply.body,
                "delivery": reply.delivery.state,
                "sent_at": reply.delivery.sent_at,
            }
            for reply in inquiry.replies.all()
        ],
        "emails": [
            {"kind": delivery.kind, "state": delivery.state, "sent_at": delivery.sent_at}
            for delivery in inquiry.deliveries.all()
        ],
    }
