"""The Spanish patient journey in Chromium, and axe-core on the Spanish pages (SPEC §12)."""

import re

import pytest

from inquiries.models import Inquiry
from tests.browser.test_public_pages import assert_no_wcag_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SLE = "/es/conditions/systemic-lupus-erythematosus/"
STUDY = "/es/research/wang-2018-long-term-follow-up/"


@pytest.mark.parametrize(
    "path", ["/es/", SLE, STUDY, "/es/research/", "/es/privacy/", "/es/no-such-page/"]
)
def test_spanish_page_has_no_wcag_violations(site, page, path):
    page.goto(site + path)
    assert page.locator("html").get_attribute("lang") == "es"
    assert_no_wcag_violations(page)


def test_the_spanish_form_with_errors_has_no_wcag_violations(site, page):
    page.goto(site + "/es/inquire/")
    page.get_by_role("textbox", name="Nombre completo").fill("María López")
    page.get_by_role("textbox", name="Correo electrónico", exact=True).fill("no-es-un-correo")
    page.get_by_role("button", name="Enviar mi consulta").click()

    summary = page.get_by_role("alert")
    assert "Por favor, revise" in summary.inner_text()
    assert page.get_by_role("textbox", name="Nombre completo").input_value() == "María López"
    assert page.title().startswith("Error:")
    assert_no_wcag_violations(page)


def test_a_visitor_reads_the_spanish_sle_page_and_writes_in_spanish(site, page, mailoutbox):
    page.goto(site + "/es/")
    page.get_by_role("link", name="Lupus eritematoso sistémico (LES)").first.click()
    page.wait_for_url(re.compile(re.escape(SLE) + "$"))
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Lupus eritematoso sistémico (LES)"
    )
    assert "no se ha demostrado que funcione" in page.locator("main").inner_text()

    form = page.locator("#inquiry")
    form.get_by_role("textbox", name="Nombre completo").fill("María López")
    form.get_by_role("textbox", name="Correo electrónico", exact=True).fill("maria@example.com")
    form.get_by_role("textbox", name="Cuéntenos su situación").fill(
        "Tengo lupus desde 2019 y me gustaría saber más."
    )
    form.get_by_role("checkbox", name=re.compile("^Acepto que la clínica")).check()
    form.get_by_role("button", name="Enviar mi consulta").click()

    page.wait_for_url(re.compile(r"/es/inquire/thanks/$"))
    thanks = page.get_by_role("heading", level=1).inner_text()
    assert thanks == "Gracias, hemos recibido su consulta"
    inquiry = Inquiry.objects.get()
    assert (inquiry.language, inquiry.consent_version[-3:]) == ("es", "-es")
    assert inquiry.condition.slug == "systemic-lupus-erythematosus"
    ack = next(m for m in mailoutbox if m.to == ["maria@example.com"])
    assert ack.subject == f"Hemos recibido su consulta ({inquiry.reference})"


def test_the_switcher_leads_to_the_same_page_in_english(site, page):
    page.goto(site + SLE)
    page.get_by_role("link", name="English").click()

    page.wait_for_url(re.compile(r"/conditions/systemic-lupus-erythematosus/$"))
    assert page.locator("html").get_attribute("lang") == "en"
