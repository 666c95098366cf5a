"""Inquiries as CSV, safe to open in a spreadsheet."""

import csv
import io

from django.utils import timezone

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
