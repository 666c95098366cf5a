"""Bad text in the fields: control characters, line breaks where an email header could start,
bytes that are not UTF-8, values of the wrong type, odd campaign parameters. Each is a form error
or is stored harmlessly, never a 500 or a half-record (SPEC §8, §9)."""

from urllib.parse import quote_plus, urlencode

import pytest

from inquiries import emails
from inquiries.models import Inquiry
from tests.inquiries.support import assert_nothing_saved
from tests.pages import field_errors

SINGLE_LINE = ["name", "email", "phone", "country"]
TEXT_FIELDS = [*SINGLE_LINE, "message"]
CONTROL_CHARACTERS = {
    "nul": "\x00",
    "bell": "\x07",
    "backspace": "\x08",
    "vertical-tab": "\x0b",
    "form-feed": "\x0c",
    "escape": "\x1b",
    "delete": "\x7f",
    "c1-next-line": "\x85",
    "c1-csi": "\x9b",
}
HEADER_INJECTIONS = {
    "crlf-bcc": "\r\nBcc: evil@example.com",
    "lf-bcc": "\nBcc: evil@example.com",
    "cr-bcc": "\rBcc: evil@example.com",
    "blank-line-then-body": "\r\n\r\n<h1>injected body</h1>",
    "crlf-content-type": "\r\nContent-Type: text/html",
}
# Percent-encoded, as they arrive in a form body.
INVALID_UTF8 = {
    "ff-fe": "%FF%FE",
    "lone-continuation": "%80%80",
    "overlong-slash": "%C0%AF",
    "encoded-surrogate": "%ED%A0%80",
    "truncated": "%E2%82",
}
UNREADABLE = "Some characters could not be read. Please type them again."


pytestmark = pytest.mark.usefixtures("no_spam_checks")


def emails_about(inquiry):
    """The staff notification and the acknowledgement, as the delivery task builds them.

    Built directly, so that their content is tested whatever happens to delivery (which
    test_email_delivery covers).
    """
    return emails.staff_notification(inquiry), emails.acknowledgement(inquiry)


def refused_text():
    """(field, what is put in its value, percent-encoded, the start of the error shown)."""
    for field in TEXT_FIELDS:
        for name, character in CONTROL_CHARACTERS.items():
            yield pytest.param(field, quote_plus(character), "", id=f"{field}-{name}")
        for name, raw in INVALID_UTF8.items():
            yield pytest.param(field, raw, UNREADABLE, id=f"{field}-{name}")
    # A line break in a one-line field could start an email header.
    line_breaks = {"tab": "\t", "ls": "\u2028", "ps": "\u2029", **HEADER_INJECTIONS}
    for field in SINGLE_LINE:
        for name, text in line_breaks.items():
            yield pytest.param(field, quote_plus(text), "", id=f"{field}-{name}")


@pytest.mark.parametrize(("field", "raw", "error"), list(refused_text()))
def test_bad_characters_in_a_text_field_are_a_form_error(
    client, valid_post, mailoutbox, field, raw, error
):
    data = valid_post()
    value = data.pop(field)
    body = urlencode(data) + f"&{field}={quote_plus(value[:4])}{raw}{quote_plus(value[4:])}"

    response = client.post("/inquire/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    [shown] = field_errors(response, field)
    assert shown.startswith(error)
    assert_nothing_saved()
    assert mailoutbox == []


@pytest.mark.parametrize("field", ["condition", "contact_preference", "consent"])
def test_invalid_utf8_in_a_choice_is_a_form_error(client, valid_post, field):
    data = valid_post()
    data.pop(field)
    body = urlencode(data) + f"&{field}=%FF%FE"

    response = client.post("/inquire/", body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 200
    assert field_errors(response, field)
    assert_nothing_saved()


@pytest.mark.parametrize("field", ["website", "form_token", "condition", "contact_preference"])
def test_nul_in_the_other_fields_never_causes_a_500(valid_post, submit, mailoutbox, field):
    response = submit(valid_post(**{field: "x\x00y"}))

    assert response.status_code in {200, 303}
    # At most a spam record (a filled honeypot or a forged token), never one that sends email.
    assert not Inquiry.objects.exclude(status=Inquiry.Status.SPAM).exists()
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("condition", "not-a-slug"),
        ("condition", "../../etc/passwd"),
        ("condition", "1"),
        ("condition", "' OR 1=1 --"),
        ("contact_preference", "fax"),
        ("contact_preference", "EMAIL"),
        ("contact_preference", ""),
        ("consent", "maybe"),
        ("consent", "off"),
        ("consent", "false"),
        ("consent", "0"),
        ("consent", ""),
    ],
)
def test_values_of_the_wrong_type_are_a_form_error(valid_post, submit, field, value):
    response = submit(valid_post(**{field: value}))

    assert response.status_code == 200
    assert field_errors(response, field)
    assert_nothing_saved()


def test_line_breaks_and_tabs_are_allowed_in_the_message(valid_post, submit):
    message = "First line.\r\nSecond line.\n\tIndented.\rOld Mac line."

    assert submit(valid_post(message=message)).status_code == 303
    assert Inquiry.objects.get().message == message.replace("\r\n", "\n")


@pytest.mark.parametrize("payload", HEADER_INJECTIONS.values(), ids=HEADER_INJECTIONS.keys())
def test_header_injection_in_the_message_stays_in_the_body(valid_post, submit, payload):
    response = submit(valid_post(message="Hello there x" + payload))

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.deliveries.count() == 2
    for message in emails_about(inquiry):
        assert "evil@example.com" not in message.recipients()
        assert message.bcc == []
        headers = message.message()
        assert headers["Bcc"] is None
        assert headers.get_all("Content-Type") == [headers["Content-Type"]]
        for name, value in headers.items():
            assert "evil" not in value and "injected" not in value, name


def test_email_with_an_international_domain_gets_emails_that_can_be_sent(valid_post, submit):
    response = submit(valid_post(email="ada@bücher.example"))

    assert response.status_code == 303
    staff, acknowledgement = emails_about(Inquiry.objects.get())
    assert staff.message()["Reply-To"] == "ada@xn--bcher-kva.example"
    assert acknowledgement.message()["To"] == "ada@xn--bcher-kva.example"


def test_email_with_a_non_ascii_local_part_is_refused_not_broken(valid_post, submit):
    response = submit(valid_post(email="zoë@example.com"))

    assert response.status_code == 200
    assert field_errors(response, "email")
    assert_nothing_saved()


def test_emoji_and_other_astral_characters_are_kept(valid_post, submit):
    response = submit(valid_post(name="Ada 🦋", message="Thank you 🙏🏽 for reading 𝔪𝔶 message."))

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.name == "Ada 🦋"
    assert inquiry.message == "Thank you 🙏🏽 for reading 𝔪𝔶 message."


@pytest.mark.parametrize(
    "query",
    [
        "utm_campaign=%FF%FE",
        "utm_source=" + "x" * 5000,
        "utm_source=%0D%0ABcc:%20evil@example.com",
        "utm_source=%00news",
        "utm_medium=a%00b",
        "utm_campaign=%07",
    ],
    ids=["invalid-utf8", "very-long", "crlf", "nul-first", "nul-inside", "bell"],
)
def test_odd_campaign_parameters_are_stored_short_and_without_control_characters(
    valid_post, submit, query
):
    response = submit(valid_post("/inquire/?" + query))

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    for value in (inquiry.utm_source, inquiry.utm_medium, inquiry.utm_campaign):
        assert len(value) <= 200
        assert not any(ord(character) < 32 for character in value)
    assert inquiry.deliveries.count() == 2


def test_odd_referrer_never_breaks_the_submission(valid_post, submit, fetch_form_token):
    token = fetch_form_token("/inquire/", HTTP_REFERER="https://x.example/" + "<b>é" * 300)

    response = submit(valid_post(form_token=token))

    assert response.status_code == 303
    assert Inquiry.objects.get().referrer.startswith("https://x.example/<b>é<b>é")
    assert len(Inquiry.objects.get().referrer) <= 500
