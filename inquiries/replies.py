"""Coordinators' replies to patients: the form, when a reply is refused, and sending one (§13)."""

from datetime import timedelta

from django import forms
from django.db import transaction
from django.utils import timezone

from inquiries import emails, tasks
from inquiries.models import Inquiry, Reply, one_line

DOUBLE_POST_WINDOW = timedelta(minutes=5)


class ReplyRefused(Exception):
    pass


class ReplyForm(forms.Form):
    subject = forms.CharField(
        max_length=200,
        validators=[one_line],
        error_messages={"required": "Write a subject."},
        widget=forms.TextInput(attrs={"size": 80}),
    )
    body = forms.CharField(
        label="Message",
        max_length=10000,
        error_messages={"required": "Write the reply: the message is empty."},
        # The coordinator arrives to write: the cursor starts in the message.
        widget=forms.Textarea(attrs={"rows": 16, "cols": 80, "autofocus": True}),
    )

    def clean_body(self):
        # Browsers send line breaks as CRLF; the email and the record keep plain newlines.
        return self.cleaned_data["body"].replace("\r\n", "\n")


def refusal(inquiry):
    """Why this inquiry cannot be replied to, or None."""
    if inquiry.is_erased:
        return "This inquiry's personal data was erased: there is no one to reply to."
    if inquiry.status == inquiry.Status.SPAM:
        return "This inquiry is marked as spam: replies are never sent to spam."
    if not inquiry.email:
        return "This inquiry has no email address to reply to."
    return None


def preview(inquiry, author, subject, body):
    """The email exactly as it would be sent, without saving anything."""
    reply = Reply(inquiry=inquiry, author=author, subject=subject, body=body)
    return emails.reply_to_patient(reply)


def send_reply(inquiry, author, subject, body):
    """Save the reply and queue its email; the first reply marks a new inquiry contacted."""
    with transaction.atomic():
        # Locked, so an erasure or a spam verdict at the same moment cannot slip past the check.
        inquiry = Inquiry.objects.select_for_update().get(pk=inquiry.pk)
        if reason := refusal(inquiry):
            raise ReplyRefused(reason)
        # A double click on "Send" posts the same reply twice: the patient gets it once.
        recent = timezone.now() - DOUBLE_POST_WINDOW
        if inquiry.replies.filter(subject=subject, body=body, created_at__gte=recent).exists():
            raise ReplyRefused("This reply was sent already.")
        reply = tasks.queue_reply(
            inquiry,
            author=author,
            author_username=author.get_username(),
            subject=subject,
            body=body,
        )
        if inquiry.status == Inquiry.Status.NEW:
            inquiry.change_status(Inquiry.Status.CONTACTED, author)
    return reply
