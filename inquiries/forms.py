import re

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clinic.models import in_language_columns
from conditions.models import Condition
from inquiries.answering import SINGLE_LINE_FORBIDDEN
from inquiries.models import Inquiry

OTHER = "other"
# The message may hold line breaks and tabs, but no other control characters.
MULTI_LINE_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffd]")
PHONE_CHARACTERS = re.compile(r"^[0-9 +().\-]+$")
CONSENT_VALUES = {"on", "true", "1", "yes"}
# The message is a TextField, which has no length of its own: the limit is the form's.
MESSAGE_MAX_LENGTH = 5000


def max_length(name):
    """The length the inquiry's column allows, so that the form never accepts more."""
    return Inquiry._meta.get_field(name).max_length


def _unreadable_or_control(value, pattern):
    match = pattern.search(value)
    if match is None:
        return
    if match[0] == "\ufffd":
        raise ValidationError(_("Some characters could not be read. Please type them again."))
    raise ValidationError(_("Remove the line breaks or special characters from this field."))


def single_line(value):
    _unreadable_or_control(value, SINGLE_LINE_FORBIDDEN)


def multi_line(value):
    _unreadable_or_control(value, MULTI_LINE_FORBIDDEN)


def validate_phone(value):
    if not PHONE_CHARACTERS.match(value):
        raise ValidationError(_("Use only digits, spaces and + ( ) - . in the phone number."))
    digits = sum(char.isdigit() for char in value)
    if not 7 <= digits <= 20:
        raise ValidationError(
            _("Enter a phone number with 7 to 20 digits, including the area code.")
        )


class MessageField(forms.CharField):
    """A textarea's text, with line breaks counted as a browser counts them (CR LF as one)."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


CHOICE_ERRORS = {"invalid_choice": _("Choose one of the options in the list.")}


class InquiryForm(forms.Form):
    name = forms.CharField(
        label=_("Full name"),
        max_length=max_length("name"),
        validators=[single_line],
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Email"),
        max_length=max_length("email"),
        validators=[single_line],
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        required=False,
        max_length=max_length("phone"),
        validators=[single_line, validate_phone],
        help_text=_("With the country code if you live outside the US, e.g. +44 20 7946 0000."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    country = forms.CharField(
        label=_("Country (optional)"),
        required=False,
        max_length=max_length("country"),
        validators=[single_line],
        widget=forms.TextInput(attrs={"autocomplete": "country-name"}),
    )
    condition = forms.ChoiceField(label=_("Condition"), error_messages=CHOICE_ERRORS)
    message = MessageField(
        label=_("Tell us about your situation"),
        min_length=10,
        max_length=MESSAGE_MAX_LENGTH,
        validators=[multi_line],
        help_text=_(
            "For example your diagnosis, your current treatment and what you would like "
            "to know. Please do not send medical records here."
        ),
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    contact_preference = forms.ChoiceField(
        label=_("How should we contact you?"),
        choices=Inquiry.ContactPreference.choices,
        initial=Inquiry.ContactPreference.EMAIL,
        widget=forms.RadioSelect,
        error_messages=CHOICE_ERRORS,
    )
    consent = forms.BooleanField(
        error_messages={"required": _("Please tick the box so that we may answer your request.")}
    )
    # A trap for bots: hidden from people and from assistive technology.
    website = forms.CharField(
        required=False,
        label=_("Leave this field empty"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )
    # Signed: when the form was served, and where from (see inquiries.form_token).
    form_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, conditions=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Whatever a bot puts in the hidden fields marks it as spam, not as a form error.
        for hidden in ("website", "form_token"):
            self.fields[hidden].validators = []
        if conditions is None:
            published = Condition.objects.published().only("slug", "name")
            conditions = in_language_columns(published, ["name"])
        self._conditions = {c.slug: c for c in conditions}
        self.fields["condition"].choices = [
            ("", gettext("Choose one")),
            *((c.slug, c.name) for c in self._conditions.values()),
            (OTHER, gettext("Other / not sure")),
        ]
        # The sentence has a version per language (INQUIRY_CONSENT_VERSION + language code).
        self.fields["consent"].label = format_html(
            gettext(
                "I agree that the clinic stores and uses these details to answer my request "
                '(<a href="{}" target="_blank" rel="noopener">privacy notice, '
                "opens in a new tab</a>)."
            ),
            reverse("privacy"),
        )

    def clean_consent(self):
        # A checkbox sends "on"; any other value is not a tick.
        raw = self.data.get(self.add_prefix("consent"), "")
        if str(raw).strip().lower() not in CONSENT_VALUES:
            raise ValidationError(self.fields["consent"].error_messages["required"])
        return True

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("contact_preference") == Inquiry.ContactPreference.PHONE and not cleaned.get(
            "phone"
        ):
            if "phone" not in self.errors:
                self.add_error(
                    "phone", _("Add a phone number so that we can call you, or choose email.")
                )
        return cleaned

    def error_summary(self):
        """(field id, short label, message) for each error, for the summary above the form."""
        labels = {"consent": gettext("Agreement"), "website": gettext("Form")}
        for field in self:
            target = field.auto_id + ("_0" if field.name == "contact_preference" else "")
            for error in field.errors:
                yield target, labels.get(field.name, field.label), error
        for error in self.non_field_errors():
            yield "", gettext("Form"), error

    @property
    def condition_object(self):
        slug = self.cleaned_data["condition"]
        if slug == OTHER:
            return None
        # Valid choices are among the published conditions the form was made with.
        return self._conditions.get(slug)
