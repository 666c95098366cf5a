"""Requests of a bad size, shape, encoding or method get a clear 4xx or the form with its errors,
never a 500 or a half-record (SPEC §8, §9). Bad text in the fields: test_hostile_text."""

from urllib.parse import urlencode

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from inquiries.models import Inquiry
from tests.inquiries.support import assert_nothing_saved
from tests.pages import field_errors, hidden_tokens

FORM_ENCODED = "application/x-www-form-urlencoded"


pytestmark = pytest.mark.usefixtures("no_spam_checks")


def assert_refused(response):
    """A clear 4xx, or the form again with its errors."""
    assert response.status_code != 500
    if response.status_code == 200:
        body = response.content.decode()
        assert "error-summary" in body, "200 without the form's errors"
    else:
        assert 400 <= response.status_code < 500, response.status_code


# Sizes


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


def test_long_field_under_the_upload_limit_is_a_form_error(valid_post, submit):
    response = submit(valid_post(name="A" * 100_000))

    assert response.status_code == 200
    assert field_errors(response, "name")
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


# Fields the form does not have, or has once


def test_unknown_extra_field_is_refused_with_400(valid_post, submit):
    response = submit(valid_post(is_staff="1"))

    assert response.status_code == 400
    assert "We could not read that request" in response.content.decode()
    assert_nothing_saved()


@pytest.mark.parametrize(
    ("field", "second"),
    [
        ("name", None),
        ("email", None),
        ("message", None),
        ("consent", None),
        ("form_token", None),
        ("website", None),
        pytest.param("name", "Mallory", id="name-another-value"),
    ],
)
def test_a_field_sent_twice_is_refused_with_400(valid_post, submit, field, second):
    data = valid_post()
    pairs = [*data.items(), (field, second or data[field] or "x")]

    response = submit(pairs)

    assert response.status_code == 400
    assert_nothing_saved()


@pytest.mark.parametrize("field", ["attachment", "message"])
def test_a_file_upload_is_refused_with_400(client, valid_post, field):
    data = valid_post(**{field: None})
    data[field] = SimpleUploadedFile("records.pdf", b"%PDF-1.4 medical records", "application/pdf")

    response = client.post("/inquire/", data)

    assert response.status_code == 400
    assert "The form does not take files" in response.content.decode()
    assert_nothing_saved()


# Bodies that cannot be read


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


# CSRF and methods


def test_missing_csrf_token_gets_403_and_the_friendly_page(valid_post, submit):
    browser = Client(enforce_csrf_checks=True)

    response = submit(valid_post(), using=browser)

    assert response.status_code == 403
    body = response.content.decode()
    assert "Please send the form again" in body
    assert 'href="/inquire/"' in body
    assert "CSRF" not in body
    assert_nothing_saved()


def test_wrong_csrf_token_gets_403(valid_post, submit):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/inquire/")

    response = submit({**valid_post(), "csrfmiddlewaretoken": "x" * 64}, using=browser)

    assert response.status_code == 403
    assert "Please send the form again" in response.content.decode()
    assert_nothing_saved()


def test_csrf_token_from_the_page_is_accepted(valid_post, submit):
    browser = Client(enforce_csrf_checks=True)

    data = valid_post(**hidden_tokens(browser.get("/inquire/")))

    assert submit(data, using=browser).status_code == 303


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
