"""Sending the inquiry form: what is saved, where the browser goes, and every rule of the fields
(SPEC §8, Form and Model)."""

import datetime
import hashlib
import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from inquiries import models
from inquiries.models import EmailDelivery, Inquiry

REFERENCE = re.compile(r"^INQ-[34679ACDEFGHJKMNPQRTUVWXY]{6}$")
REFERENCE_ON_PAGE = re.compile(r"INQ-[34679ACDEFGHJKMNPQRTUVWXY]{6}")


@pytest.fixture(autouse=True)
def no_fill_time_check(settings):
    """These tests send forms at once; the fill-time check has tests of its own in test_spam."""
    settings.INQUIRY_MIN_SECONDS = 0


def field_errors(parse, response, name):
    """The error texts shown inside the field's own block (crispy's div_id_<name>)."""
    html = parse(response)
    block = html.find("div", id=f"div_id_{name}")
    return [element.text for element in html.find_all(within=block, has_class="invalid-feedback")]


def summary_links(parse, response):
    html = parse(response)
    summary = html.find(has_class="error-summary")
    return [(link.attrs["href"], link.text) for link in html.find_all("a", within=summary)]


def test_valid_inquiry_is_saved_with_every_field(client, valid_post, submit):
    data = valid_post(
        name="  Ada Lovelace  ",
        phone="+1 (555) 010-0199",
        country="Canada",
        message="Diagnosed with SLE in 2019.\r\nI take hydroxychloroquine.",
        contact_preference="phone",
    )
    before = timezone.now()

    submit(data)

    inquiry = Inquiry.objects.get()
    assert inquiry.name == "Ada Lovelace"
    assert inquiry.email == "ada@example.com"
    assert inquiry.phone == "+1 (555) 010-0199"
    assert inquiry.country == "Canada"
    assert inquiry.condition == valid_post.condition
    # Stored with the line break as one character, as the browser counted it.
    assert inquiry.message == "Diagnosed with SLE in 2019.\nI take hydroxychloroquine."
    assert inquiry.contact_preference == "phone"
    assert inquiry.status == Inquiry.Status.NEW
    assert inquiry.spam_reason == ""
    assert before <= inquiry.consent_at <= timezone.now()
    assert before <= inquiry.created_at <= timezone.now()
    assert inquiry.consent_version
    assert REFERENCE.match(inquiry.reference)
    assert inquiry.assigned_to is None


def test_consent_version_is_the_one_in_settings_for_the_language_shown(
    valid_post, submit, settings
):
    settings.INQUIRY_CONSENT_VERSION = "2027-03"

    submit(valid_post())

    assert Inquiry.objects.get().consent_version == "2027-03-en"


def test_other_condition_is_saved_without_a_condition(valid_post, submit):
    submit(valid_post(condition="other"))

    inquiry = Inquiry.objects.get()
    assert inquiry.condition is None
    assert inquiry.condition_name == "Other / not sure"


def test_optional_fields_may_be_left_empty(valid_post, submit):
    response = submit(valid_post(phone="", country=""))

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert (inquiry.phone, inquiry.country) == ("", "")


def test_optional_fields_may_be_left_out_altogether(valid_post, submit):
    response = submit(valid_post(phone=None, country=None, website=None))

    assert response.status_code == 303
    assert Inquiry.objects.count() == 1


def test_valid_inquiry_answers_303_to_the_thanks_page(valid_post, submit):
    response = submit(valid_post())

    assert response.status_code == 303
    assert response["Location"] == "/inquire/thanks/"


def test_thanks_page_shows_the_reference_and_nothing_personal(client, valid_post, submit):
    data = valid_post(name="Grace Hopper", email="grace@example.com", phone="+1 555 010 0199")
    submit(data)

    response = client.get("/inquire/thanks/")

    assert response.status_code == 200
    body = response.content.decode()
    inquiry = Inquiry.objects.get()
    assert REFERENCE_ON_PAGE.findall(body) == [inquiry.reference]
    for personal in ("Grace Hopper", "Grace", "Hopper", "grace@example.com", "010 0199"):
        assert personal not in body
    assert data["message"] not in body
    assert "diagnosed" not in body


def test_thanks_page_is_never_cached(client, valid_post, submit):
    submit(valid_post())

    response = client.get("/inquire/thanks/")

    assert "no-store" in response["Cache-Control"]


def test_thanks_page_without_a_submission_shows_no_reference(client, db):
    response = client.get("/inquire/thanks/")

    assert response.status_code == 200
    assert not REFERENCE_ON_PAGE.search(response.content.decode())


def test_thanks_page_shows_each_visitor_only_their_own_reference(client, valid_post, submit):
    submit(valid_post())

    other_visitor = Client().get("/inquire/thanks/")

    assert Inquiry.objects.get().reference not in other_visitor.content.decode()


def test_following_the_redirect_shows_the_reference(valid_post, submit):
    response = submit(valid_post(), follow=True)

    assert response.redirect_chain == [("/inquire/thanks/", 303)]
    assert Inquiry.objects.get().reference in response.content.decode()


def test_ip_address_is_stored_only_as_a_salted_hash(valid_post, submit):
    submit(valid_post(), REMOTE_ADDR="203.0.113.7")

    stored = Inquiry.objects.get().ip_hash
    assert re.fullmatch(r"[0-9a-f]{64}", stored)
    assert "203.0.113.7" not in stored
    for algorithm in ("sha256", "md5", "sha1"):
        assert stored != hashlib.new(algorithm, b"203.0.113.7").hexdigest()


def test_same_address_gives_the_same_hash_and_another_address_another(client, valid_post, submit):
    submit(valid_post(), REMOTE_ADDR="203.0.113.7")
    submit(valid_post(), REMOTE_ADDR="203.0.113.7")
    submit(valid_post(), REMOTE_ADDR="198.51.100.20")

    first, second, third = Inquiry.objects.order_by("pk").values_list("ip_hash", flat=True)
    assert first == second
    assert first != third


def test_source_page_and_campaign_come_from_the_page_the_form_was_served_on(valid_post, submit):
    data = valid_post(
        "/inquire/?utm_source=news&utm_medium=email&utm_campaign=spring-2027&condition=other"
    )

    submit(data)

    inquiry = Inquiry.objects.get()
    assert inquiry.source_page == "/inquire/"
    assert inquiry.utm_source == "news"
    assert inquiry.utm_medium == "email"
    assert inquiry.utm_campaign == "spring-2027"


def test_campaign_fields_are_empty_without_utm_parameters(valid_post, submit):
    submit(valid_post())

    inquiry = Inquiry.objects.get()
    assert (inquiry.utm_source, inquiry.utm_medium, inquiry.utm_campaign) == ("", "", "")


def test_referrer_of_the_form_page_is_kept(valid_post, submit, fetch_form_token):
    token = fetch_form_token("/inquire/", HTTP_REFERER="https://search.example/?q=lupus+stem+cells")

    submit(valid_post(form_token=token))

    assert Inquiry.objects.get().referrer == "https://search.example/?q=lupus+stem+cells"


def test_inquiry_from_a_condition_page_records_that_page(make_condition, parse, submit):
    make_condition(name="Systemic Lupus Erythematosus", slug="systemic-lupus-erythematosus")
    browser = Client(enforce_csrf_checks=True)

    html = parse(browser.get("/conditions/systemic-lupus-erythematosus/?utm_source=newsletter"))
    response = submit(
        {
            "csrfmiddlewaretoken": html.find("input", name="csrfmiddlewaretoken").attrs["value"],
            "form_token": html.find("input", name="form_token").attrs["value"],
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "condition": "systemic-lupus-erythematosus",
            "message": "Please tell me more about the treatment.",
            "contact_preference": "email",
            "consent": "on",
            "website": "",
        },
        using=browser,
    )

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.source_page == "/conditions/systemic-lupus-erythematosus/"
    assert inquiry.utm_source == "newsletter"
    assert inquiry.condition.slug == "systemic-lupus-erythematosus"


def test_sending_the_same_form_twice_creates_one_inquiry(client, valid_post, submit):
    data = valid_post()

    first = submit(data)
    first_reference = REFERENCE_ON_PAGE.search(client.get("/inquire/thanks/").content.decode())[0]
    second = submit(data)
    second_reference = REFERENCE_ON_PAGE.search(client.get("/inquire/thanks/").content.decode())[0]

    assert (first.status_code, second.status_code) == (303, 303)
    assert Inquiry.objects.count() == 1
    assert first_reference == second_reference == Inquiry.objects.get().reference
    assert EmailDelivery.objects.count() == 2


def test_a_second_form_from_the_same_person_is_a_second_inquiry(valid_post, submit):
    submit(valid_post())
    submit(valid_post())

    assert Inquiry.objects.count() == 2


def test_reloading_the_thanks_page_creates_nothing(client, valid_post, submit):
    submit(valid_post())

    for _ in range(3):
        assert client.get("/inquire/thanks/").status_code == 200

    assert Inquiry.objects.count() == 1
    assert EmailDelivery.objects.count() == 2


def test_thanks_page_cannot_be_posted_to(client, valid_post):
    form_encoded = "application/x-www-form-urlencoded"
    response = client.post("/inquire/thanks/", urlencode(valid_post()), content_type=form_encoded)

    assert response.status_code == 405
    assert Inquiry.objects.count() == 0


def test_invalid_input_shows_the_form_again_with_status_200(valid_post, submit):
    response = submit(valid_post(email="not-an-address"))

    assert response.status_code == 200
    assert response.templates[0].name == "inquiries/inquiry_form.html"
    assert Inquiry.objects.count() == 0
    assert EmailDelivery.objects.count() == 0


def test_error_is_shown_next_to_its_field(parse, valid_post, submit):
    response = submit(valid_post(email="not-an-address"))

    assert field_errors(parse, response, "email") == ["Enter a valid email address."]
    assert field_errors(parse, response, "name") == []
    html = parse(response)
    email = html.find("input", name="email")
    assert "is-invalid" in email.attrs["class"].split()
    # Screen readers announce the error with the field.
    assert email.attrs["aria-invalid"] == "true"
    described_by = html.find(id=email.attrs["aria-describedby"])
    assert described_by.text == "Enter a valid email address."


def test_ids_stay_unique_when_errors_are_shown(parse, db, submit):
    html = parse(submit({"contact_preference": "phone"}))

    ids = [element.attrs["id"] for element in html.elements if element.attrs.get("id")]
    assert len(ids) == len(set(ids))


def test_error_summary_at_the_top_links_to_the_fields(parse, valid_post, submit):
    response = submit(valid_post(email="not-an-address", message="short"))

    html = parse(response)
    links = summary_links(parse, response)
    assert [href for href, _ in links] == ["#id_email", "#id_message"]
    assert "Enter a valid email address." in links[0][1]
    summary = html.find(has_class="error-summary")
    form = html.find("form", action="/inquire/")
    first_field = html.find("input", name="name")
    order = html.elements
    assert order.index(form) < order.index(summary) < order.index(first_field)
    assert summary.attrs.get("role") == "alert"


def test_page_title_says_there_is_an_error(parse, valid_post, submit):
    response = submit(valid_post(email="not-an-address"))

    assert parse(response).find("title").text.startswith("Error:")


def test_every_summary_link_points_to_a_field_on_the_page(client, db, parse, submit):
    response = submit({"contact_preference": "fax", "phone": "12", "condition": "nope"})

    html = parse(response)
    links = summary_links(parse, response)
    assert len(links) >= 7
    for href, _ in links:
        assert href.startswith("#")
        target = html.find(None, id=href[1:])
        assert target.tag in {"input", "select", "textarea"}


def test_empty_form_names_every_required_field(db, parse, submit):
    response = submit({})

    assert response.status_code == 200
    for name in ("name", "email", "condition", "message", "contact_preference", "consent"):
        assert field_errors(parse, response, name), f"no error shown for {name}"
    for name in ("phone", "country"):
        assert field_errors(parse, response, name) == []


def test_input_is_kept_when_there_is_an_error(parse, valid_post, submit):
    data = valid_post(
        name="Ada Lovelace",
        email="ada@example",
        phone="+44 20 7946 0000",
        country="United Kingdom",
        condition="other",
        message="Line one.\r\nLine two.",
        contact_preference="phone",
        consent=None,
    )

    html = parse(submit(data))

    assert html.find("input", name="name").attrs["value"] == "Ada Lovelace"
    assert html.find("input", name="email").attrs["value"] == "ada@example"
    assert html.find("input", name="phone").attrs["value"] == "+44 20 7946 0000"
    assert html.find("input", name="country").attrs["value"] == "United Kingdom"
    assert html.find("textarea", name="message").text == "Line one. Line two."
    select = html.find("select", name="condition")
    chosen = [e for e in html.elements if select in e.ancestors and "selected" in e.attrs]
    assert [option.attrs["value"] for option in chosen] == ["other"]
    radios = html.find_all("input", name="contact_preference")
    assert [r.attrs["value"] for r in radios if "checked" in r.attrs] == ["phone"]
    assert html.find("input", name="form_token").attrs["value"] == data["form_token"]


def test_ticked_consent_stays_ticked_when_there_is_an_error(parse, valid_post, submit):
    html = parse(submit(valid_post(email="ada@example")))

    assert "checked" in html.find("input", name="consent").attrs


def test_corrected_form_is_saved_with_its_original_token(client, valid_post, submit):
    data = valid_post("/inquire/?utm_source=news", email="ada@example")
    submit(data)

    response = submit({**data, "email": "ada@example.com"})

    assert response.status_code == 303
    assert Inquiry.objects.get().utm_source == "news"


def test_contacting_by_phone_needs_a_phone_number(parse, valid_post, submit):
    response = submit(valid_post(contact_preference="phone", phone=""))

    assert response.status_code == 200
    assert field_errors(parse, response, "phone") == [
        "Add a phone number so that we can call you, or choose email."
    ]
    assert Inquiry.objects.count() == 0


def test_contacting_by_phone_with_a_phone_number_is_fine(valid_post, submit):
    response = submit(valid_post(contact_preference="phone", phone="020 7946 0000"))

    assert response.status_code == 303
    assert Inquiry.objects.get().contact_preference == "phone"


@pytest.mark.parametrize(
    "phone",
    [
        "1234567",
        "+44 20 7946 0000",
        "+1 (555) 010-0199",
        "555.010.0199",
        "0049-30-1234567",
        "1" * 20,
        "+" + " ".join("1" * 20),
        "  020 7946 0000  ",
    ],
)
def test_phone_numbers_people_write_are_accepted(valid_post, submit, phone):
    response = submit(valid_post(phone=phone))

    assert response.status_code == 303
    assert Inquiry.objects.get().phone == phone.strip()


@pytest.mark.parametrize(
    ("phone", "message"),
    [
        ("123456", "Enter a phone number with 7 to 20 digits, including the area code."),
        ("1" * 21, "Enter a phone number with 7 to 20 digits, including the area code."),
        ("+() -. 1 2 3", "Enter a phone number with 7 to 20 digits, including the area code."),
        ("call me maybe", "Use only digits, spaces and + ( ) - . in the phone number."),
        ("555-0100 ext 12", "Use only digits, spaces and + ( ) - . in the phone number."),
        ("+44/20/7946/0000", "Use only digits, spaces and + ( ) - . in the phone number."),
        ("٠١٢٣٤٥٦٧٨٩", "Use only digits, spaces and + ( ) - . in the phone number."),
        ("１２３４５６７８", "Use only digits, spaces and + ( ) - . in the phone number."),
    ],
    ids=[
        "six-digits",
        "21-digits",
        "too-few-digits-among-symbols",
        "words",
        "extension",
        "slashes",
        "arabic-indic-digits",
        "full-width-digits",
    ],
)
def test_phone_numbers_outside_the_rules_are_refused(parse, valid_post, submit, phone, message):
    response = submit(valid_post(phone=phone))

    assert response.status_code == 200
    assert field_errors(parse, response, "phone") == [message]
    assert Inquiry.objects.count() == 0


def test_phone_longer_than_its_column_is_refused_not_cut(parse, valid_post, submit):
    phone = " -  ".join("1234567890")  # ten digits, but 46 characters
    assert len(phone) > 40

    response = submit(valid_post(phone=phone))

    assert response.status_code == 200
    assert field_errors(parse, response, "phone") == [
        "Ensure this value has at most 40 characters (it has 46)."
    ]
    assert Inquiry.objects.count() == 0


def test_name_of_120_characters_is_accepted(valid_post, submit):
    response = submit(valid_post(name="A" * 120))

    assert response.status_code == 303
    assert Inquiry.objects.get().name == "A" * 120


def test_name_of_120_characters_with_spaces_around_is_accepted(valid_post, submit):
    response = submit(valid_post(name="   " + "A" * 120 + "   "))

    assert response.status_code == 303
    assert Inquiry.objects.get().name == "A" * 120


def test_name_of_121_characters_is_refused(parse, valid_post, submit):
    response = submit(valid_post(name="A" * 121))

    assert response.status_code == 200
    assert field_errors(parse, response, "name") == [
        "Ensure this value has at most 120 characters (it has 121)."
    ]
    assert Inquiry.objects.count() == 0


def test_name_of_121_characters_after_trimming_is_refused(valid_post, submit):
    response = submit(valid_post(name="  " + "A" * 121 + "  "))

    assert response.status_code == 200
    assert Inquiry.objects.count() == 0


def test_name_of_one_character_is_accepted(valid_post, submit):
    assert submit(valid_post(name="X")).status_code == 303


@pytest.mark.parametrize("name", ["", "   ", "\u3000"])
def test_blank_name_is_refused(parse, valid_post, submit, name):
    response = submit(valid_post(name=name))

    assert response.status_code == 200
    assert field_errors(parse, response, "name") == ["This field is required."]


def test_names_in_any_script_are_accepted(valid_post, submit):
    name = "Zoë Ó Dálaigh-李小龍 Σωκράτης محمد"

    response = submit(valid_post(name=name))

    assert response.status_code == 303
    assert Inquiry.objects.get().name == name


@pytest.mark.parametrize("length", [10, 5000])
def test_message_of_10_to_5000_characters_is_accepted(valid_post, submit, length):
    message = "x" * length

    response = submit(valid_post(message=message))

    assert response.status_code == 303
    assert Inquiry.objects.get().message == message


@pytest.mark.parametrize(
    ("length", "error"),
    [
        (9, "Ensure this value has at least 10 characters (it has 9)."),
        (5001, "Ensure this value has at most 5000 characters (it has 5001)."),
    ],
)
def test_message_outside_10_to_5000_characters_is_refused(parse, valid_post, submit, length, error):
    response = submit(valid_post(message="x" * length))

    assert response.status_code == 200
    assert field_errors(parse, response, "message") == [error]
    assert Inquiry.objects.count() == 0


def test_message_padded_with_spaces_to_10_characters_is_refused(valid_post, submit):
    response = submit(valid_post(message="   hello   "))

    assert response.status_code == 200
    assert Inquiry.objects.count() == 0


def test_message_the_browser_allowed_at_5000_characters_with_line_breaks_is_accepted(
    valid_post, submit
):
    # 4991 letters and 9 line breaks: 5000 characters in the browser, 5009 on the wire.
    message = "\r\n".join(["x" * 499] * 9 + ["x" * 500])
    assert len(message.replace("\r\n", "\n")) == 5000

    response = submit(valid_post(message=message))

    assert response.status_code == 303


def test_country_of_80_characters_is_accepted(valid_post, submit):
    response = submit(valid_post(country="C" * 80))

    assert response.status_code == 303
    assert Inquiry.objects.get().country == "C" * 80


def test_country_of_81_characters_is_refused(parse, valid_post, submit):
    response = submit(valid_post(country="C" * 81))

    assert response.status_code == 200
    assert field_errors(parse, response, "country") == [
        "Ensure this value has at most 80 characters (it has 81)."
    ]


@pytest.mark.parametrize(
    "email",
    ["ada", "ada@", "@example.com", "ada@example", "ada example@example.com", "a" * 250 + "@x.io"],
)
def test_invalid_email_addresses_are_refused(parse, valid_post, submit, email):
    response = submit(valid_post(email=email))

    assert response.status_code == 200
    assert field_errors(parse, response, "email")
    assert Inquiry.objects.count() == 0


def test_email_address_with_spaces_around_is_trimmed(valid_post, submit):
    submit(valid_post(email="  ada@example.com "))

    assert Inquiry.objects.get().email == "ada@example.com"


def test_unticked_consent_is_refused(parse, valid_post, submit):
    response = submit(valid_post(consent=None))

    assert response.status_code == 200
    assert field_errors(parse, response, "consent") == [
        "Please tick the box so that we may answer your request."
    ]
    assert Inquiry.objects.count() == 0


def test_missing_condition_is_refused(parse, valid_post, submit):
    response = submit(valid_post(condition=""))

    assert response.status_code == 200
    assert field_errors(parse, response, "condition")


def test_unpublished_condition_is_refused(make_condition, parse, valid_post, submit):
    make_condition(slug="secret-draft", published=False)

    response = submit(valid_post(condition="secret-draft"))

    assert response.status_code == 200
    assert field_errors(parse, response, "condition")
    assert Inquiry.objects.count() == 0


def test_valid_inquiry_queues_one_email_to_staff_and_one_to_the_patient(valid_post, submit):
    submit(valid_post())

    inquiry = Inquiry.objects.get()
    assert sorted(inquiry.deliveries.values_list("kind", flat=True)) == [
        "acknowledgement",
        "staff",
    ]


def test_valid_inquiry_sends_two_emails(valid_post, submit, mailoutbox, settings):
    settings.INQUIRY_NOTIFY_EMAILS = ["coordinators@clinic.example", "lead@clinic.example"]

    submit(valid_post(email="ada@example.com"))

    inquiry = Inquiry.objects.get()
    assert sorted(inquiry.deliveries.values_list("kind", "state")) == [
        ("acknowledgement", "sent"),
        ("staff", "sent"),
    ]
    assert len(mailoutbox) == 2
    [staff] = [m for m in mailoutbox if m.to == settings.INQUIRY_NOTIFY_EMAILS]
    [acknowledgement] = [m for m in mailoutbox if m.to == ["ada@example.com"]]
    assert staff.reply_to == ["ada@example.com"]
    assert inquiry.reference in staff.subject
    assert inquiry.reference in acknowledgement.subject
    assert inquiry.reference in acknowledgement.body
    assert inquiry.message not in acknowledgement.body


def test_refused_form_sends_no_email(valid_post, submit, mailoutbox):
    submit(valid_post(email="not-an-address"))

    assert mailoutbox == []


def test_references_are_unique_and_well_formed_over_many_inquiries(valid_post, submit, settings):
    settings.INQUIRY_RATE_LIMIT = None

    for _ in range(40):
        assert submit(valid_post()).status_code == 303

    references = list(Inquiry.objects.values_list("reference", flat=True))
    assert len(references) == 40
    assert len(set(references)) == 40
    assert all(REFERENCE.match(reference) for reference in references)


def test_reference_generator_covers_the_alphabet_without_ambiguous_letters():
    seen = set()
    for _ in range(2000):
        reference = models.new_reference()
        assert REFERENCE.match(reference)
        seen.update(reference[4:])

    assert seen == set("34679ACDEFGHJKMNPQRTUVWXY")


def test_a_clashing_reference_is_replaced_by_a_fresh_one(valid_post, submit, monkeypatch):
    submit(valid_post())
    taken = Inquiry.objects.get().reference
    fresh = iter([taken, taken, "INQ-777777"])
    monkeypatch.setattr(models, "new_reference", lambda: next(fresh))

    response = submit(valid_post())

    assert response.status_code == 303
    assert sorted(Inquiry.objects.values_list("reference", flat=True)) == sorted(
        [taken, "INQ-777777"]
    )


def test_created_time_is_now(valid_post, submit):
    submit(valid_post())

    age = timezone.now() - Inquiry.objects.get().created_at
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=1)
