"""Pages with the form are rendered once per content version; only each visit's own values (the
CSRF token, the fill-time token) are put in on each request (SPEC §11, §8)."""

import pytest
from django.test import Client

from inquiries import form_token
from inquiries.models import Inquiry
from tests.pages import Page, hidden_tokens

FORM_PAGES = ["/inquire/", "/conditions/systemic-lupus-erythematosus/"]
FORM_TEMPLATE = "inquiries/includes/form.html"


@pytest.fixture
def sle(make_condition):
    make_condition(name="Rheumatoid arthritis", slug="rheumatoid-arthritis")
    return make_condition(name="Systemic lupus erythematosus", slug="systemic-lupus-erythematosus")


def rendered(response):
    return [template.name for template in response.templates]


def selected_options(page):
    return [
        option.attrs["value"] for option in page.find_all("option") if "selected" in option.attrs
    ]


@pytest.mark.parametrize("url", FORM_PAGES)
def test_the_form_is_rendered_once_and_each_visit_gets_tokens_of_its_own(client, sle, url):
    first = client.get(url)
    second = Client().get(url)

    assert FORM_TEMPLATE in rendered(first)
    assert rendered(second) == []
    first_tokens, second_tokens = hidden_tokens(first), hidden_tokens(second)
    for name in ("csrfmiddlewaretoken", "form_token"):
        assert Page(second).find("input", name=name).attrs["type"] == "hidden"
        assert first_tokens[name] != second_tokens[name]
    assert form_token.read(second_tokens["form_token"])["p"] == url
    assert "slot-" not in second.content.decode()
    assert second.cookies["csrftoken"].value


def test_the_fill_time_token_records_this_visits_campaign_and_referrer(client, sle):
    client.get("/inquire/?utm_source=newsletter")

    response = client.get(
        "/inquire/?utm_source=search&utm_campaign=spring",
        HTTP_REFERER="https://www.example.org/lupus",
    )

    assert rendered(response) == []
    data = form_token.read(hidden_tokens(response)["form_token"])
    assert data["utm_source"] == "search"
    assert data["utm_campaign"] == "spring"
    assert data["r"] == "https://www.example.org/lupus"


@pytest.mark.parametrize("url", FORM_PAGES)
def test_a_form_served_from_the_kept_render_is_accepted(sle, settings, valid_post, submit, url):
    settings.INQUIRY_MIN_SECONDS = 0
    Client().get(url)
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url)
    assert rendered(page) == []

    data = valid_post(condition="systemic-lupus-erythematosus", **hidden_tokens(page))
    response = submit(data, using=browser)

    assert response.status_code == 303
    inquiry = Inquiry.objects.get()
    assert inquiry.status == Inquiry.Status.NEW
    assert inquiry.source_page == url


def test_the_chosen_condition_is_preselected_in_the_kept_render(client, sle):
    client.get("/inquire/?condition=systemic-lupus-erythematosus")

    response = client.get("/inquire/?condition=systemic-lupus-erythematosus")

    assert rendered(response) == []
    assert selected_options(Page(response)) == ["systemic-lupus-erythematosus"]


def test_an_unknown_condition_in_the_address_takes_no_place_among_kept_pages(client, sle):
    client.get("/inquire/?condition=no-such-condition")

    response = client.get("/inquire/?condition=no-such-condition")

    assert FORM_TEMPLATE in rendered(response)
    assert selected_options(Page(response)) == []


def test_a_form_with_errors_keeps_the_patients_input(client, sle, settings, submit):
    settings.INQUIRY_RATE_LIMIT = None
    client.get("/inquire/")

    response = submit({"name": "Ada", "message": "Too short"})

    assert response.status_code == 200
    page = Page(response)
    assert page.find("input", name="name").attrs["value"] == "Ada"
    assert "Too short" in page.find("textarea", name="message").text
    assert "slot-" not in response.content.decode()
