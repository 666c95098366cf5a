import re

import pytest

from inquiries.models import Inquiry
from tests.browser.test_public_pages import assert_no_wcag_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fill_valid_form(page):
    page.get_by_role("textbox", name="Full name", exact=True).fill("Maria Lopez")
    page.get_by_role("textbox", name="Email", exact=True).fill("maria@example.com")
    page.get_by_role("textbox", name="Country (optional)").fill("Spain")
    page.get_by_role("textbox", name="Tell us about your situation").fill(
        "I was diagnosed with lupus in 2019 and would like to know more."
    )
    page.get_by_role("checkbox", name=re.compile("^I agree that the clinic stores")).check()


def send_with_sle_chosen(page, form):
    """Check that the form came with lupus chosen, fill it in and send it."""
    assert (
        form.get_by_role("combobox", name="Condition").input_value()
        == "systemic-lupus-erythematosus"
    )
    fill_valid_form(form)
    form.get_by_role("button", name="Send my request").click()
    page.wait_for_url(re.compile(r"/inquire/thanks/$"))


def test_patient_sends_the_form_and_sees_the_reference(site, page, mailoutbox):
    page.goto(site + "/inquire/?condition=systemic-lupus-erythematosus")
    send_with_sle_chosen(page, page)

    reference = page.locator(".reference").inner_text()
    assert re.fullmatch(r"INQ-[34679ACDEFGHJKMNPQRTUVWXY]{6}", reference)
    assert "Maria" not in page.content()
    inquiry = Inquiry.objects.get(reference=reference)
    assert inquiry.name == "Maria Lopez"
    assert inquiry.condition.slug == "systemic-lupus-erythematosus"

    page.reload()
    assert Inquiry.objects.count() == 1
    assert len(mailoutbox) == 2


def test_patient_sends_the_form_from_the_condition_page(site, page):
    page.goto(site + "/conditions/systemic-lupus-erythematosus/")
    send_with_sle_chosen(page, page.locator("#inquiry"))

    assert Inquiry.objects.get().source_page == "/conditions/systemic-lupus-erythematosus/"


def test_mistakes_are_summarised_linked_and_input_is_kept(site, page):
    page.goto(site + "/inquire/")
    page.get_by_role("textbox", name="Full name", exact=True).fill("Maria Lopez")
    page.get_by_role("textbox", name="Email", exact=True).fill("not-an-email")
    page.get_by_role("textbox", name="Phone (optional)").fill("12")
    page.get_by_role("button", name="Send my request").click()

    summary = page.get_by_role("alert")
    assert "Please check" in summary.inner_text()
    assert page.get_by_role("textbox", name="Full name", exact=True).input_value() == "Maria Lopez"
    assert page.get_by_role("textbox", name="Email", exact=True).input_value() == "not-an-email"
    assert page.title().startswith("Error:")

    summary.get_by_role("link", name=re.compile("^Email")).click()
    assert page.evaluate("document.activeElement.id") == "id_email"
    assert Inquiry.objects.count() == 0

    assert_no_wcag_violations(page)


def test_honeypot_is_out_of_reach_of_people(site, page):
    page.goto(site + "/inquire/")
    assert not page.locator("[name=website]").is_visible()
    tab_stops = []
    for _ in range(40):
        page.keyboard.press("Tab")
        tab_stops.append(page.evaluate("document.activeElement.name || document.activeElement.id"))
    assert "website" not in tab_stops
    assert "name" in tab_stops and "consent" in tab_stops
