"""The inquiry form refusing what breaks its rules: the rule of each field, and how errors are
shown so that a patient can put them right (SPEC §8, Form). Saved inquiries: test_submit."""

import pytest

from inquiries.models import EmailDelivery, Inquiry
from tests.pages import Page, error_summary_links, field_errors

VALID_EMAIL = "Enter a valid email address."
REQUIRED = "This field is required."
PHONE_DIGITS = "Enter a phone number with 7 to 20 digits, including the area code."
PHONE_CHARACTERS = "Use only digits, spaces and + ( ) - . in the phone number."


pytestmark = pytest.mark.usefixtures("no_spam_checks")


def at_most(limit, length):
    return f"Ensure this value has at most {limit} characters (it has {length})."


# The rules of each field


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        pytest.param("name", "A" * 120, "A" * 120, id="name-120"),
        pytest.param("name", "   " + "A" * 120 + "   ", "A" * 120, id="name-120-spaces-around"),
        pytest.param("name", "X", "X", id="name-1"),
        pytest.param("name", "Zoë Ó Dálaigh-李小龍 Σωκράτης محمد", None, id="name-any-script"),
        pytest.param("message", "x" * 10, None, id="message-10"),
        pytest.param("message", "x" * 5000, None, id="message-5000"),
        # 4991 letters and 9 line breaks: 5000 characters in the browser, 5009 on the wire.
        pytest.param(
            "message",
            "\r\n".join(["x" * 499] * 9 + ["x" * 500]),
            "\n".join(["x" * 499] * 9 + ["x" * 500]),
            id="message-5000-with-line-breaks",
        ),
        pytest.param("country", "C" * 80, None, id="country-80"),
        pytest.param("email", "  ada@example.com ", "ada@example.com", id="email-spaces-around"),
        *(
            pytest.param("phone", phone, phone.strip(), id=f"phone-{phone}")
            for phone in [
                "1234567",
                "+44 20 7946 0000",
                "+1 (555) 010-0199",
                "555.010.0199",
                "0049-30-1234567",
                "1" * 20,
                "+" + " ".join("1" * 20),
                "  020 7946 0000  ",
            ]
        ),
    ],
)
def test_values_within_the_rules_are_saved(valid_post, submit, field, value, stored):
    response = submit(valid_post(**{field: value}))

    assert response.status_code == 303
    assert getattr(Inquiry.objects.get(), field) == (value if stored is None else stored)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        pytest.param("name", "A" * 121, at_most(120, 121), id="name-121"),
        pytest.param("name", "  " + "A" * 121 + "  ", at_most(120, 121), id="name-121-trimmed"),
        pytest.param("name", "", REQUIRED, id="name-empty"),
        pytest.param("name", "   ", REQUIRED, id="name-spaces"),
        pytest.param("name", "\u3000", REQUIRED, id="name-ideographic-space"),
        pytest.param(
            "message",
            "x" * 9,
            "Ensure this value has at least 10 characters (it has 9).",
            id="message-9",
        ),
        pytest.param("message", "x" * 5001, at_most(5000, 5001), id="message-5001"),
        pytest.param(
            "message",
            "   hello   ",
            "Ensure this value has at least 10 characters (it has 5).",
            id="message-padded-to-10",
        ),
        pytest.param("country", "C" * 81, at_most(80, 81), id="country-81"),
        pytest.param("phone", "123456", PHONE_DIGITS, id="phone-six-digits"),
        pytest.param("phone", "1" * 21, PHONE_DIGITS, id="phone-21-digits"),
        pytest.param("phone", "+() -. 1 2 3", PHONE_DIGITS, id="phone-few-digits-among-symbols"),
        pytest.param("phone", "call me maybe", PHONE_CHARACTERS, id="phone-words"),
        pytest.param("phone", "555-0100 ext 12", PHONE_CHARACTERS, id="phone-extension"),
        pytest.param("phone", "+44/20/7946/0000", PHONE_CHARACTERS, id="phone-slashes"),
        pytest.param("phone", "٠١٢٣٤٥٦٧٨٩", PHONE_CHARACTERS, id="phone-arabic-indic-digits"),
        pytest.param("phone", "１２３４５６７８", PHONE_CHARACTERS, id="phone-full-width-digits"),
        # Ten digits, but longer than the column: refused, never cut.
        pytest.param("phone", " -  ".join("1234567890"), at_most(40, 46), id="phone-46-characters"),
        pytest.param("email", "ada", VALID_EMAIL, id="email-no-at"),
        pytest.param("email", "ada@", VALID_EMAIL, id="email-no-domain"),
        pytest.param("email", "@example.com", VALID_EMAIL, id="email-no-name"),
        pytest.param("email", "ada@example", VALID_EMAIL, id="email-no-dot"),
        pytest.param("email", "ada example@example.com", VALID_EMAIL, id="email-space"),
        pytest.param("email", "a" * 250 + "@x.io", at_most(254, 255), id="email-255"),
        pytest.param(
            "consent",
            None,
            "Please tick the box so that we may answer your request.",
            id="consent-unticked",
        ),
        pytest.param("condition", "", REQUIRED, id="condition-missing"),
        pytest.param(
            "condition", "secret-draft", "Choose one of the options in the list.", id="unpublished"
        ),
    ],
)
def test_values_outside_the_rules_are_refused(
    make_condition, valid_post, submit, field, value, error
):
    make_condition(slug="secret-draft", published=False)

    response = submit(valid_post(**{field: value}))

    assert response.status_code == 200
    assert field_errors(response, field) == [error]
    assert Inquiry.objects.count() == 0


@pytest.mark.parametrize(("phone", "status"), [("", 200), ("020 7946 0000", 303)])
def test_contacting_by_phone_needs_a_phone_number(valid_post, submit, phone, status):
    response = submit(valid_post(contact_preference="phone", phone=phone))

    assert response.status_code == status
    if status == 200:
        assert field_errors(response, "phone") == [
            "Add a phone number so that we can call you, or choose email."
        ]
        assert Inquiry.objects.count() == 0
    else:
        assert Inquiry.objects.get().contact_preference == "phone"


# How errors are shown


def test_invalid_input_shows_the_form_again_and_saves_and_sends_nothing(
    valid_post, submit, mailoutbox
):
    response = submit(valid_post(email="not-an-address"))

    assert response.status_code == 200
    assert response.templates[0].name == "inquiries/inquiry_form.html"
    assert Inquiry.objects.count() == 0
    assert EmailDelivery.objects.count() == 0
    assert mailoutbox == []


def test_error_is_shown_next_to_its_field(valid_post, submit):
    response = submit(valid_post(email="not-an-address"))

    assert field_errors(response, "email") == [VALID_EMAIL]
    assert field_errors(response, "name") == []
    html = Page(response)
    email = html.find("input", name="email")
    assert "is-invalid" in email.attrs["class"].split()
    # Screen readers announce the error with the field.
    assert email.attrs["aria-invalid"] == "true"
    described_by = html.find(id=email.attrs["aria-describedby"])
    assert described_by.text == VALID_EMAIL


def test_ids_stay_unique_when_errors_are_shown(db, submit):
    html = Page(submit({"contact_preference": "phone"}))

    ids = [element.attrs["id"] for element in html.elements if element.attrs.get("id")]
    assert len(ids) == len(set(ids))


def test_error_summary_at_the_top_links_to_the_fields(valid_post, submit):
    response = submit(valid_post(email="not-an-address", message="short"))

    html = Page(response)
    links = error_summary_links(response)
    assert [href for href, _ in links] == ["#id_email", "#id_message"]
    assert VALID_EMAIL in links[0][1]
    summary = html.find(has_class="error-summary")
    form = html.find("form", action="/inquire/")
    first_field = html.find("input", name="name")
    order = html.elements
    assert order.index(form) < order.index(summary) < order.index(first_field)
    assert summary.attrs.get("role") == "alert"
    assert html.find("title").text.startswith("Error:")


def test_every_summary_link_points_to_a_field_on_the_page(db, submit):
    response = submit({"contact_preference": "fax", "phone": "12", "condition": "nope"})

    html = Page(response)
    links = error_summary_links(response)
    assert len(links) >= 7
    for href, _ in links:
        assert href.startswith("#")
        target = html.find(None, id=href[1:])
        assert target.tag in {"input", "select", "textarea"}


def test_empty_form_names_every_required_field(db, submit):
    response = submit({})

    assert response.status_code == 200
    for name in ("name", "email", "condition", "message", "contact_preference", "consent"):
        assert field_errors(response, name), f"no error shown for {name}"
    for name in ("phone", "country"):
        assert field_errors(response, name) == []


def test_input_is_kept_when_there_is_an_error(valid_post, submit):
    # Everything but the email valid, and every kind of field filled in.
    typed = {"email": "ada@example", "condition": "other", "contact_preference": "phone"}
    data = valid_post(message="Line one.\r\nLine two.", consent=None, **typed)

    html = Page(submit(data))

    for name in ("name", "email", "phone", "country", "form_token"):
        assert html.find("input", name=name).attrs["value"] == data[name]
    assert html.find("textarea", name="message").text == "Line one. Line two."
    select = html.find("select", name="condition")
    chosen = [e for e in html.elements if select in e.ancestors and "selected" in e.attrs]
    assert [option.attrs["value"] for option in chosen] == ["other"]
    radios = html.find_all("input", name="contact_preference")
    assert [r.attrs["value"] for r in radios if "checked" in r.attrs] == ["phone"]


def test_ticked_consent_stays_ticked_when_there_is_an_error(valid_post, submit):
    html = Page(submit(valid_post(email="ada@example")))

    assert "checked" in html.find("input", name="consent").attrs


def test_corrected_form_is_saved_with_its_original_token(valid_post, submit):
    data = valid_post("/inquire/?utm_source=news", email="ada@example")
    submit(data)

    response = submit({**data, "email": "ada@example.com"})

    assert response.status_code == 303
    assert Inquiry.objects.get().utm_source == "news"
