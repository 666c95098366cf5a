"""Bad input of any kind gets a clear 4xx or the form with errors, never a 500 or a half-record;
stored text is shown escaped everywhere; no patient data in logs (SPEC §8, §9)."""

import logging
from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from inquiries import emails
from inquiries.models import EmailDelivery, Inquiry

SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG = '"><img src=x onerror=alert(1)>'
IMG_ESCAPED = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
IMG_RAW = "<img src=x onerror=alert(1)>"
SINGLE_LINE = ["name", "email", "phone", "country"]
TEXT_FIELDS = [*SINGLE_LINE, "message"]
FORM_ENCODED = "application/x-www-form-urlencoded"
HEADER_INJECTIONS = [
    "x\r\nBcc: evil@example.com",
    "x\nBcc: evil@example.com",
    "x\rBcc: evil@example.com",
    "ada@example.com\r\nBcc: evil@example.com",
    "ada@example.com\r\n\r\n<h1>injected body</h1>",
    "x\r\nContent-Type: text/html",
]


@pytest.fixture(autouse=True)
def no_fill_time_check(settings):
    settings.INQUIRY_MIN_SECONDS = 0
    settings.INQUIRY_RATE_LIMIT = None


def emails_about(inquiry):
    """The staff notification and the acknowledgement, as the delivery task builds them.

    Built directly, so that their content is tested whatever happens to delivery (which
    test_email_delivery covers).
    """
    return emails.staff_notification(inquiry), emails.acknowledgement(inquiry)


def assert_nothing_saved():
    assert Inquiry.objects.count() == 0
    assert EmailDelivery.objects.count() == 0


def assert_refused(response):
    """A clear 4xx, or the form again with its errors."""
    assert response.status_code != 500
    if response.status_code == 200:
        body = response.content.decode()
        assert "error-summary" in body, "200 without the form's errors"
    else:
        assert 400 <= response.status_code < 500, response.status_code


def field_error(parse, response, name):
    html = parse(response)
    block = html.find("div", id=f"div_id_{name}")
    return [element.text for element in html.find_all(within=block, has_class="invalid-feedback")]


# Sizes and shapes of the request


def test_body_over_the_limit_is_refused_with_413(valid_post, submit, mailoutbox):
    response = submit(valid_post(message="x" * 200_000))

    assert response.status_code == 413
    assert "The request was too large" in response.content.decode()
    assert_nothing_saved()
    assert mailoutbox == []


def test_multipart_body_over_the_limit_is_refused_with_413(client, valid_post):
    response = client.post("/inquire/", valid_post(message="x" * 200_000))

    assert response.status_code == 413
    assert_nothing_saved()


def test_long_field_under_the_upload_limit_is_a_form_error(parse, valid_post, submit):
    response = submit(valid_post(name="A" * 100_000))

    assert response.status_code == 200
    assert field_error(parse, response, "name")
    assert_nothing_saved()


def test_the_longest_form_a_browser_can_send_is_under_the_limit(valid_post, submit, settings):
    # Every character of each field a non-Latin one, as long as the form allows.
    fields = valid_post(name="名" * 120, country="国" * 80, message="病" * 5000)
    assert len(urlencode(fields)) < settings.PUBLIC_BODY_MAX_SIZE

    assert submit(fields).status_code == 303
    assert Inquiry.objects.get().message == "病" * 5000


def test_too_many_fields_are_refused_with_400(valid_post, submit):
    data = valid_post()
    data.update({f"field{number}": "x" for number in range(250)})

    response = submit(data)

    assert response.status_code == 400
    assert_nothing_saved()


def test_too_many_parameters_in_the_address_of_the_form_page_are_refused(client, db):
    response = client.get("/inquire/?" + "&".join(f"a{n}=1" for n in range(300)))

    assert response.status_code == 400


def test_unknown_extra_field_is_refused_with_400(valid_post, submit):
    response = submit(valid_post(is_staff="1"))

    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()
    assert_nothing_saved()


@pytest.mark.parametrize("field", ["name", "email", "message", "consent", "form_token", "website"])
def test_a_field_sent_twice_is_refused_with_400(valid_post, submit, field):
    data = list(valid_post().items()) + [(field, valid_post()[field] or "x")]

    response = submit(data)

    assert response.status_code == 400
    assert_nothing_saved()


def test_name_sent_twice_with_different_values_is_refused(valid_post, submit):
    data = [*valid_post(name=None).items(), ("name", "Ada"), ("name", "Mallory")]

    assert submit(data).status_code == 400
    assert_nothing_saved()


@pytest.mark.parametrize("field", ["attachment", "message"])
def test_a_file_upload_is_refused_with_400(client, valid_post, field):
    data = valid_post(**{field: None})
    data[field] = SimpleUploadedFile("records.pdf", b"%PDF-1.4 medical records", "application/pdf")

    response = client.post("/inquire/", data)

    assert response.status_code == 400
    assert "The form does not take files" in response.content.decode()
    assert_nothing_saved()


def test_broken_multipart_body_is_refused_with_400(client, db):
    response = client.post(
        "/inquire/", b"--x\r\nnot really", content_type="multipart/form-data; boundary="
    )

    assert response.status_code == 400
    assert_nothing_saved()


@pytest.mark.parametrize("charset", ["utf-16", "latin-1", "no-such-charset", "utf-7"])
def test_strange_charsets_never_cause_a_500(client, valid_post, charset):
    body = urlencode(valid_post(name="Zoë")).encode()

    response = client.generic(
        "POST", "/inquire/", body, content_type=f"{FORM_ENCODED}; charset={charset}"
    )

    assert response.status_code in {200, 303, 400}
    assert Inquiry.objects.count() <= 1


def test_json_body_shows_the_form_with_errors(client, valid_post):
    response = client.post("/inquire/", valid_post(), content_type="application/json")

    assert_refused(response)
    assert_nothing_saved()


# Control characters, line breaks and unreadable bytes


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


@pytest.mark.parametrize("character", CONTROL_CHARACTERS.values(), ids=CONTROL_CHARACTERS.keys())
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_control_characters_in_a_text_field_are_a_form_error(
    parse, valid_post, submit, mailoutbox, field, character
):
    value = valid_post()[field]
    value = value[:3] + character + value[3:]

    response = submit(valid_post(**{field: value}))

    assert response.status_code == 200
    assert field_error(parse, response, field)
    assert_nothing_saved()
    assert mailoutbox == []


@pytest.mark.parametrize("character", ["\t", "\u2028", "\u2029"], ids=["tab", "ls", "ps"])
@pytest.mark.parametrize("field", SINGLE_LINE)
def test_tabs_and_unicode_line_breaks_in_a_single_line_field_are_a_form_error(
    parse, valid_post, submit, field, character
):
    value = valid_post()[field]

    response = submit(valid_post(**{field: value[:3] + character + value[3:]}))

    assert response.status_code == 200
    assert field_error(parse, response, field)
    assert_nothing_saved()


@pytest.mark.parametrize("field", ["website", "form_token", "condition", "contact_preference"])
def test_nul_in_the_other_fields_never_causes_a_500(valid_post, submit, mailoutbox, field):
    response = submit(valid_post(**{field: "x\x00y"}))

    assert response.status_code in {200, 303}
    # At most a spam record (a filled honeypot or a forged token), never one that sends email.
    assert not Inquiry.objects.exclude(status=Inquiry.Status.SPAM).exists()
    assert mailoutbox == []


def test_line_breaks_and_tabs_are_allowed_in_the_message(valid_post, submit):
    message = "First line.\r\nSecond line.\n\tIndented.\rOld Mac line."

    assert submit(valid_post(message=message)).status_code == 303
    assert Inquiry.objects.get().message == message.replace("\r\n", "\n")


@pytest.mark.parametrize("payload", HEADER_INJECTIONS)
@pytest.mark.parametrize("field", SINGLE_LINE)
def test_line_breaks_in_a_single_line_field_are_a_form_error(
    parse, valid_post, submit, mailoutbox, field, payload
):
    response = submit(valid_post(**{field: payload}))

    assert response.status_code == 200
    assert field_error(parse, response, field)
    assert_nothing_saved()
    assert mailoutbox == []


@pytest.mark.parametrize("payload", HEADER_INJECTIONS)
def test_header_injection_in_the_message_stays_in_the_body(valid_post, submit, payload):
    response = submit(valid_post(message="Hello there " + payload))

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


INVALID_UTF8 = {
    "ff-fe": "%FF%FE",
    "lone-continuation": "%80%80",
    "overlong-slash": "%C0%AF",
    "encoded-surrogate": "%ED%A0%80",
    "truncated": "%E2%82",
}


@pytest.mark.parametrize("raw", INVALID_UTF8.values(), ids=INVALID_UTF8.keys())
@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_invalid_utf8_in_a_text_field_is_a_form_error(
    client, parse, valid_post, mailoutbox, field, raw
):
    data = valid_post()
    value = data.pop(field)
    body = urlencode(data) + f"&{field}={value[:4]}{raw}{value[4:]}"

    response = client.post("/inquire/", body, content_type=FORM_ENCODED)

    assert response.status_code == 200
    [error] = field_error(parse, response, field)
    assert error.startswith("Some characters could not be read. Please type them again.")
    assert_nothing_saved()
    assert mailoutbox == []


@pytest.mark.parametrize("field", ["condition", "contact_preference", "consent"])
def test_invalid_utf8_in_a_choice_is_a_form_error(client, parse, valid_post, field):
    data = valid_post()
    data.pop(field)
    body = urlencode(data) + f"&{field}=%FF%FE"

    response = client.post("/inquire/", body, content_type=FORM_ENCODED)

    assert response.status_code == 200
    assert field_error(parse, response, field)
    assert_nothing_saved()


def test_invalid_utf8_in_a_field_name_is_refused_with_400(client, valid_post):
    body = urlencode(valid_post()) + "&na%FFme=x"

    response = client.post("/inquire/", body, content_type=FORM_ENCODED)

    assert response.status_code == 400
    assert_nothing_saved()


def test_raw_undecodable_bytes_in_the_body_are_refused(client, valid_post):
    body = urlencode(valid_post(name=None)).encode() + b"&name=Ada\xff\xfe\xc0"

    response = client.generic("POST", "/inquire/", body, content_type=FORM_ENCODED)

    assert_refused(response)
    assert_nothing_saved()


# CSRF, fields of the wrong type, methods


def test_missing_csrf_token_gets_403_and_the_friendly_page(valid_post, submit):
    browser = Client(enforce_csrf_checks=True)

    response = submit(valid_post(), using=browser)

    assert response.status_code == 403
    body = response.content.decode()
    assert "Please send the form again" in body
    assert 'href="/inquire/"' in body
    assert "CSRF" not in body
    assert_nothing_saved()


def test_wrong_csrf_token_gets_403(parse, valid_post, submit):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/inquire/")

    response = submit({**valid_post(), "csrfmiddlewaretoken": "x" * 64}, using=browser)

    assert response.status_code == 403
    assert "Please send the form again" in response.content.decode()
    assert_nothing_saved()


def test_csrf_token_from_the_page_is_accepted(parse, valid_post, submit):
    browser = Client(enforce_csrf_checks=True)
    html = parse(browser.get("/inquire/"))
    data = valid_post(
        csrfmiddlewaretoken=html.find("input", name="csrfmiddlewaretoken").attrs["value"],
        form_token=html.find("input", name="form_token").attrs["value"],
    )

    assert submit(data, using=browser).status_code == 303


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
def test_values_of_the_wrong_type_are_a_form_error(parse, valid_post, submit, field, value):
    response = submit(valid_post(**{field: value}))

    assert response.status_code == 200
    assert field_error(parse, response, field)
    assert_nothing_saved()


def test_a_get_with_the_fields_in_the_address_saves_nothing(client, valid_post):
    response = client.get("/inquire/?" + urlencode(valid_post()))

    assert response.status_code == 200
    assert_nothing_saved()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_other_methods_get_405(client, valid_post, method):
    response = getattr(client, method)("/inquire/", urlencode(valid_post()), FORM_ENCODED)

    assert response.status_code == 405
    assert set(response["Allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "POST"}
    assert_nothing_saved()


# Stored text is shown escaped everywhere


@pytest.fixture
def hostile_inquiry(valid_post, submit, client):
    """An inquiry with markup in every free-text field, and the thanks page it led to."""
    response = submit(
        valid_post(
            name=f"{SCRIPT}{IMG}",
            country=IMG,
            message=f"Hello {SCRIPT} and {IMG}",
            email='"<script>alert(1)</script>"@example.com',
        )
    )
    assert response.status_code == 303
    return Inquiry.objects.get(), client.get("/inquire/thanks/")


def test_markup_is_accepted_as_text(hostile_inquiry):
    inquiry, _ = hostile_inquiry

    assert inquiry.name == f"{SCRIPT}{IMG}"
    assert inquiry.country == IMG
    assert inquiry.message == f"Hello {SCRIPT} and {IMG}"
    assert inquiry.email == '"<script>alert(1)</script>"@example.com'
    assert inquiry.status == Inquiry.Status.NEW


def test_thanks_page_shows_none_of_the_markup(hostile_inquiry):
    inquiry, thanks = hostile_inquiry

    body = thanks.content.decode()
    assert inquiry.reference in body
    for text in (SCRIPT, SCRIPT_ESCAPED, IMG_RAW, IMG_ESCAPED, "alert(1)"):
        assert text not in body


@pytest.mark.parametrize("persona", ["superuser", "coordinator"])
def test_admin_shows_the_markup_escaped(hostile_inquiry, client, request, persona):
    inquiry, _ = hostile_inquiry
    client.force_login(request.getfixturevalue(persona))

    change = client.get(f"/admin/inquiries/inquiry/{inquiry.pk}/change/")
    listing = client.get("/admin/inquiries/inquiry/")

    assert change.status_code == 200
    assert listing.status_code == 200
    for response in (change, listing):
        body = response.content.decode()
        assert SCRIPT not in body
        assert IMG_RAW not in body
        assert SCRIPT_ESCAPED in body
        assert IMG_ESCAPED in body


def test_admin_search_with_markup_is_escaped(hostile_inquiry, client, superuser):
    client.force_login(superuser)

    response = client.get("/admin/inquiries/inquiry/", {"q": SCRIPT})

    assert response.status_code == 200
    assert SCRIPT not in response.content.decode()


def test_emails_show_the_markup_escaped_in_html_and_literally_in_text(hostile_inquiry):
    inquiry, _ = hostile_inquiry
    staff, _ = emails_about(inquiry)

    text = staff.body
    [(html, mimetype)] = staff.alternatives
    assert mimetype == "text/html"
    assert inquiry.name in text
    assert inquiry.country in text
    assert inquiry.message in text
    assert SCRIPT not in html
    assert IMG_RAW not in html
    assert SCRIPT_ESCAPED in html
    assert IMG_ESCAPED in html


def test_acknowledgement_carries_no_markup_from_the_patient(hostile_inquiry):
    _, acknowledgement = emails_about(hostile_inquiry[0])

    [(html, _)] = acknowledgement.alternatives
    for part in (acknowledgement.body, html):
        assert "alert(1)" not in part
        assert "onerror" not in part


def test_no_email_header_holds_the_patients_words(hostile_inquiry):
    inquiry, _ = hostile_inquiry
    address = '"<script>alert(1)</script>"@example.com'
    staff, acknowledgement = emails_about(inquiry)

    for message in (staff, acknowledgement):
        headers = message.message()
        for name, value in headers.items():
            if name in {"To", "Reply-To"}:
                # Only the bare address, never with a display name.
                assert value in {address, *message.to}, (name, value)
                continue
            assert "alert(1)" not in value, name
            assert "onerror" not in value, name
            assert "Hello" not in value, name
        assert headers["Message-ID"].startswith(f"<{inquiry.reference}.")
    assert staff.reply_to == [address]
    assert staff.message()["Reply-To"] == address
    assert acknowledgement.to == [address]
    assert acknowledgement.message()["To"] == address


def test_subject_names_the_reference_and_condition_only(valid_post, submit):
    submit(valid_post(name="Ada Lovelace", message="My lupus flares every winter, help."))
    inquiry = Inquiry.objects.get()

    subjects = sorted(message.subject for message in emails_about(inquiry))

    assert subjects == sorted(
        [
            f"New inquiry {inquiry.reference} — Systemic Lupus Erythematosus",
            f"We have your request ({inquiry.reference})",
        ]
    )


@pytest.mark.parametrize("payload", [SCRIPT, IMG])
@pytest.mark.parametrize(
    "field", ["name", "country", "message", "phone", "email", "condition", "contact_preference"]
)
def test_form_shown_again_escapes_what_was_typed(parse, valid_post, submit, field, payload):
    # An unticked consent sends the form back with this field filled in.
    response = submit(valid_post(**{field: payload + " padding text"}, consent=None))

    assert response.status_code == 200
    body = response.content.decode()
    assert SCRIPT not in body
    assert IMG_RAW not in body
    assert_nothing_saved()


def test_email_with_an_international_domain_gets_emails_that_can_be_sent(valid_post, submit):
    response = submit(valid_post(email="ada@bücher.example"))

    assert response.status_code == 303
    staff, acknowledgement = emails_about(Inquiry.objects.get())
    assert staff.message()["Reply-To"] == "ada@xn--bcher-kva.example"
    assert acknowledgement.message()["To"] == "ada@xn--bcher-kva.example"


def test_email_with_a_non_ascii_local_part_is_refused_not_broken(parse, valid_post, submit):
    response = submit(valid_post(email="zoë@example.com"))

    assert response.status_code == 200
    assert field_error(parse, response, "email")
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
    ],
    ids=["invalid-utf8", "very-long", "crlf"],
)
def test_odd_campaign_parameters_never_break_the_submission(valid_post, submit, query):
    response = submit(valid_post("/inquire/?" + query))

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    for value in (inquiry.utm_source, inquiry.utm_medium, inquiry.utm_campaign):
        assert len(value) <= 200
    assert inquiry.deliveries.count() == 2


@pytest.mark.parametrize("query", ["utm_source=%00news", "utm_medium=a%00b", "utm_campaign=%07"])
def test_control_characters_in_campaign_parameters_are_dropped(valid_post, submit, query):
    response = submit(valid_post("/inquire/?" + query))

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    for value in (inquiry.utm_source, inquiry.utm_medium, inquiry.utm_campaign):
        assert not any(ord(character) < 32 for character in value)


def test_odd_referrer_never_breaks_the_submission(valid_post, submit, fetch_form_token):
    token = fetch_form_token("/inquire/", HTTP_REFERER="https://x.example/" + "<b>é" * 300)

    response = submit(valid_post(form_token=token))

    assert response.status_code == 303
    assert Inquiry.objects.get().referrer.startswith("https://x.example/<b>é<b>é")
    assert len(Inquiry.objects.get().referrer) <= 500


# No patient data in logs


def test_submissions_log_nothing_the_patient_wrote(caplog, valid_post, submit, client):
    caplog.set_level(logging.DEBUG)
    patient = {
        "name": "Philippa Quartermaine",
        "email": "philippa.q@example.org",
        "phone": "+44 20 7946 0123",
        "country": "Liechtenstein",
        "message": "My rheumatologist suggested methotrexate, flares weekly.",
    }

    submit(valid_post(**patient))  # saved and emailed
    submit(valid_post(**{**patient, "email": "philippa.q@"}))  # shown again with an error
    submit(valid_post(**patient, extra="1"))  # refused with 400
    submit(valid_post(**patient, website="bot"))  # spam
    client.put("/inquire/", urlencode(valid_post(**patient)), FORM_ENCODED)  # 405

    assert Inquiry.objects.count() == 2
    assert caplog.records, "nothing was captured, so this test could not fail"
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    for value in [*patient.values(), "Philippa", "Quartermaine", "philippa.q", "methotrexate"]:
        assert value not in logged
    assert "7946" not in logged
