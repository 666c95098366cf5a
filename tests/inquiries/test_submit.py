"""Sending the inquiry form successfully: what is saved, where the browser goes, what the thanks
page shows, and the reference (SPEC §8, Form and Model). Refused input: test_form_errors."""

import hashlib
import re

import pytest
from django.test import Client
from django.utils import timezone

from inquiries import models
from inquiries.models import EmailDelivery, Inquiry
from tests.pages import hidden_tokens

REFERENCE = re.compile(r"^INQ-[34679ACDEFGHJKMNPQRTUVWXY]{6}$")
REFERENCE_ON_PAGE = re.compile(r"INQ-[34679ACDEFGHJKMNPQRTUVWXY]{6}")


pytestmark = pytest.mark.usefixtures("no_spam_checks")


def test_valid_inquiry_is_saved_with_every_field(client, valid_post, submit, clock):
    typed = {
        "name": "  Ada Lovelace  ",
        "email": "ada@example.com",
        "phone": "+1 (555) 010-0199",
        "country": "Canada",
        "message": "Diagnosed with SLE in 2019.\r\nI take hydroxychloroquine.",
        "contact_preference": "phone",
    }

    submit(valid_post(**typed))

    inquiry = Inquiry.objects.get()
    # Stored trimmed, and with the line break as one character, as the browser counted it.
    stored = {**typed, "name": "Ada Lovelace", "message": typed["message"].replace("\r\n", "\n")}
    assert {field: getattr(inquiry, field) for field in stored} == stored
    assert inquiry.condition == valid_post.condition
    assert inquiry.status == Inquiry.Status.NEW
    assert inquiry.spam_reason == ""
    # The clock stands still: both are the moment of the post.
    assert inquiry.consent_at == inquiry.created_at == timezone.now()
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


@pytest.mark.parametrize("value", ["", None], ids=["empty", "left-out"])
def test_optional_fields_may_be_left_empty_or_out(valid_post, submit, value):
    response = submit(valid_post(phone=value, country=value, website=value))

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert (inquiry.phone, inquiry.country, inquiry.status) == ("", "", Inquiry.Status.NEW)


def test_valid_inquiry_answers_303_to_the_thanks_page_with_the_reference(valid_post, submit):
    response = submit(valid_post())

    assert response.status_code == 303
    assert response["Location"] == "/inquire/thanks/"
    followed = submit(valid_post(), follow=True)
    assert followed.redirect_chain == [("/inquire/thanks/", 303)]
    assert Inquiry.objects.latest("pk").reference in followed.content.decode()


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
    campaign = (inquiry.utm_source, inquiry.utm_medium, inquiry.utm_campaign)
    assert (inquiry.source_page, campaign) == ("/inquire/", ("news", "email", "spring-2027"))


def test_campaign_fields_are_empty_without_utm_parameters(valid_post, submit):
    submit(valid_post())

    inquiry = Inquiry.objects.get()
    assert (inquiry.utm_source, inquiry.utm_medium, inquiry.utm_campaign) == ("", "", "")


def test_referrer_of_the_form_page_is_kept(valid_post, submit, fetch_form_token):
    token = fetch_form_token("/inquire/", HTTP_REFERER="https://search.example/?q=lupus+stem+cells")

    submit(valid_post(form_token=token))

    assert Inquiry.objects.get().referrer == "https://search.example/?q=lupus+stem+cells"


def test_inquiry_from_a_condition_page_records_that_page(make_condition, valid_post, submit):
    make_condition(name="Systemic Lupus Erythematosus", slug="systemic-lupus-erythematosus")
    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/conditions/systemic-lupus-erythematosus/?utm_source=newsletter")

    data = valid_post(condition="systemic-lupus-erythematosus", **hidden_tokens(page))
    response = submit(data, using=browser)

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


def test_thanks_page_cannot_be_posted_to(valid_post, submit):
    response = submit(valid_post(), path="/inquire/thanks/")

    assert response.status_code == 405
    assert Inquiry.objects.count() == 0


def test_references_are_unique_and_well_formed_over_many_inquiries(valid_post, submit):
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
