"""The inquiry form as a page at /inquire/ and on every condition page (SPEC §8, Form)."""

import re

import pytest
from django.contrib.staticfiles import finders

from tests.pages import Page

SPEC_FIELDS = {
    "name",
    "email",
    "phone",
    "country",
    "condition",
    "message",
    "contact_preference",
    "consent",
    "website",
}
# Hidden plumbing that travels with the spec's fields.
HIDDEN_FIELDS = {"csrfmiddlewaretoken", "form_token"}
FORM_PAGES = ["/inquire/", "/conditions/systemic-lupus-erythematosus/"]
# Each personal field, what a browser fills it in with, and the keyboard a phone shows for it.
PERSONAL_FIELDS = [
    ("name", "name", "text"),
    ("email", "email", "email"),
    ("phone", "tel", "tel"),
    ("country", "country-name", "text"),
]
HEADING = "Wish to explore treating this condition with us?"


def form_of(html):
    forms = html.find_all("form", action="/inquire/")
    assert len(forms) == 1, f"expected one inquiry form, found {len(forms)}"
    return forms[0]


def controls(html, form):
    """The form's input, select and textarea elements."""
    return [
        element
        for element in html.elements
        if element.tag in {"input", "select", "textarea"} and form in element.ancestors
    ]


def selected_condition(html):
    select = html.find("select", name="condition")
    options = [element for element in html.elements if select in element.ancestors]
    return [option.attrs["value"] for option in options if "selected" in option.attrs]


def test_form_page_has_every_field_of_the_spec_by_its_exact_name(client, db):
    response = client.get("/inquire/")

    assert response.status_code == 200
    html = Page(response)
    form = form_of(html)
    assert form.attrs["method"] == "post"
    names = {element.attrs.get("name") for element in controls(html, form)}
    assert names == SPEC_FIELDS | HIDDEN_FIELDS


@pytest.mark.parametrize("url", FORM_PAGES)
@pytest.mark.parametrize("name", sorted(SPEC_FIELDS - {"contact_preference"}))
def test_each_field_has_a_label_bound_to_it(client, make_condition, name, url):
    make_condition(slug="systemic-lupus-erythematosus")
    html = Page(client.get(url))

    field = html.find(None, name=name)
    label = html.find("label", for_=field.attrs["id"])
    assert label.text


def test_each_contact_preference_choice_has_a_label_and_the_group_a_legend(client, db):
    html = Page(client.get("/inquire/"))

    radios = html.find_all("input", name="contact_preference")
    assert sorted(radio.attrs["value"] for radio in radios) == ["email", "phone"]
    for radio in radios:
        assert radio.attrs["type"] == "radio"
        assert html.find("label", for_=radio.attrs["id"]).text in {"Email", "Phone"}
    fieldset = next(a for a in radios[0].ancestors[::-1] if a.tag == "fieldset")
    legends = [e for e in html.find_all("legend") if fieldset in e.ancestors]
    assert [legend.text for legend in legends] == ["How should we contact you?*"]


def test_email_is_the_preferred_contact_at_first(client, db):
    html = Page(client.get("/inquire/"))

    checked = [r for r in html.find_all("input", name="contact_preference") if "checked" in r.attrs]
    assert [radio.attrs["value"] for radio in checked] == ["email"]


@pytest.mark.parametrize("url", FORM_PAGES)
@pytest.mark.parametrize(
    ("name", "autocomplete", "keyboard"),
    PERSONAL_FIELDS,
)
def test_personal_fields_are_filled_in_by_the_browser_with_the_right_keyboard(
    client, make_condition, name, autocomplete, keyboard, url
):
    make_condition(slug="systemic-lupus-erythematosus")
    html = Page(client.get(url))

    field = html.find("input", name=name)
    assert (field.attrs["autocomplete"], field.attrs["type"]) == (autocomplete, keyboard)


def test_condition_choices_are_the_published_conditions_and_other(client, make_condition):
    make_condition(name="Systemic Lupus Erythematosus", slug="systemic-lupus-erythematosus")
    make_condition(name="Rheumatoid Arthritis", slug="rheumatoid-arthritis")
    make_condition(name="Secret Draft", slug="secret-draft", published=False)

    html = Page(client.get("/inquire/"))

    select = html.find("select", name="condition")
    options = [e for e in html.elements if e.tag == "option" and select in e.ancestors]
    values = [option.attrs["value"] for option in options]
    assert sorted(v for v in values if v not in {"", "other"}) == [
        "rheumatoid-arthritis",
        "systemic-lupus-erythematosus",
    ]
    assert values[-1] == "other"
    assert options[-1].text == "Other / not sure"
    assert "secret-draft" not in values
    assert "Secret Draft" not in [option.text for option in options]


@pytest.mark.parametrize("choice", ["systemic-lupus-erythematosus", "other"])
def test_condition_in_the_address_is_preselected(client, make_condition, choice):
    make_condition(name="Rheumatoid Arthritis", slug="rheumatoid-arthritis")
    make_condition(name="Systemic Lupus Erythematosus", slug="systemic-lupus-erythematosus")

    html = Page(client.get(f"/inquire/?condition={choice}"))

    assert selected_condition(html) == [choice]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?condition=no-such-condition",
        "?condition=secret-draft",
        "?condition=",
        "?condition=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "?condition=%00%0D%0A",
        "?condition=%FF%FE",
        "?condition=" + "x" * 5000,
        "?condition=a&condition=b",
    ],
    ids=[
        "none",
        "unknown",
        "unpublished",
        "empty",
        "script",
        "control-characters",
        "invalid-utf8",
        "very-long",
        "repeated",
    ],
)
def test_junk_condition_in_the_address_preselects_nothing(client, make_condition, query):
    make_condition(slug="systemic-lupus-erythematosus")
    make_condition(slug="secret-draft", published=False)

    response = client.get("/inquire/" + query)

    assert response.status_code == 200
    html = Page(response)
    assert selected_condition(html) in ([], [""])
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_consent_label_links_to_the_privacy_notice(client, db):
    html = Page(client.get("/inquire/"))

    consent = html.find("input", name="consent")
    assert consent.attrs["type"] == "checkbox"
    label = html.find("label", for_=consent.attrs["id"])
    links = [e for e in html.find_all("a") if label in e.ancestors]
    assert [link.attrs["href"] for link in links] == ["/privacy/"]
    assert "stores and uses these details to answer my request" in label.text


def test_consent_is_not_ticked_in_advance(client, db):
    html = Page(client.get("/inquire/"))

    assert "checked" not in html.find("input", name="consent").attrs


def test_honeypot_is_hidden_from_people_and_from_assistive_technology(client, db):
    html = Page(client.get("/inquire/"))

    website = html.find("input", name="website")
    hidden = [a for a in website.ancestors if a.attrs.get("aria-hidden") == "true"]
    assert hidden, "the honeypot is not inside an aria-hidden element"
    hiding_classes = set(css_classes_hidden_by_the_stylesheet())
    assert any(set(element.attrs.get("class", "").split()) & hiding_classes for element in hidden)
    # Nobody tabs into it and no browser fills it in.
    assert website.attrs["tabindex"] == "-1"
    assert website.attrs["autocomplete"] == "off"
    assert not website.attrs.get("value")


def css_classes_hidden_by_the_stylesheet():
    path = finders.find("css/site.css")
    assert path, "css/site.css is not among the static files"
    with open(path, encoding="utf-8") as css:
        text = css.read()
    return re.findall(r"\.([\w-]+)\s*\{[^}]*display\s*:\s*none", text)


def test_page_links_the_stylesheet_that_hides_the_honeypot(client, db):
    html = Page(client.get("/inquire/"))

    hrefs = [link.attrs.get("href", "") for link in html.find_all("link", rel="stylesheet")]
    assert any(href.endswith("css/site.css") for href in hrefs)


@pytest.mark.parametrize("url", FORM_PAGES)
def test_ids_on_pages_with_the_form_are_unique(client, make_condition, url):
    make_condition(slug="systemic-lupus-erythematosus")

    html = Page(client.get(url))

    ids = [element.attrs["id"] for element in html.elements if element.attrs.get("id")]
    assert len(ids) == len(set(ids))


def test_form_page_is_never_cached(client, db):
    response = client.get("/inquire/")

    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-cache", "no-store", "max-age=0"} <= cache_control


def test_form_page_shows_no_errors_before_it_is_sent(client, db):
    body = client.get("/inquire/").content.decode()

    assert "error-summary" not in body
    assert "invalid-feedback" not in body
    assert "is-invalid" not in body


def test_form_page_answers_head_requests(client, db):
    assert client.head("/inquire/").status_code == 200


def test_condition_page_embeds_the_form_with_its_condition_preselected(client, make_condition):
    make_condition(name="Rheumatoid Arthritis", slug="rheumatoid-arthritis")
    make_condition(name="Systemic Lupus Erythematosus", slug="systemic-lupus-erythematosus")

    response = client.get("/conditions/systemic-lupus-erythematosus/")

    assert response.status_code == 200
    html = Page(response)
    heading = html.find("h2", id="inquiry-heading")
    assert heading.text == HEADING
    form = form_of(html)
    section = heading.ancestors[-1]
    assert section in form.ancestors
    names = {element.attrs.get("name") for element in controls(html, form)}
    assert names == SPEC_FIELDS | HIDDEN_FIELDS
    assert selected_condition(html) == ["systemic-lupus-erythematosus"]
    assert html.find("input", name="csrfmiddlewaretoken").attrs["value"]
    assert html.find("input", name="form_token").attrs["value"]
