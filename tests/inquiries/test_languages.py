"""The inquiry in the visitor's language: form, errors, consent, thanks, emails, staff view."""

import pytest

from inquiries.emails import message_id
from inquiries.models import Inquiry
from tests.pages import Page, page_text


def test_a_spanish_form_with_errors_keeps_the_input_and_answers_in_spanish(
    valid_post, submit, settings
):
    settings.INQUIRY_RATE_LIMIT = None
    data = valid_post(page="/es/inquire/", email="no es un correo", consent=None)

    response = submit(data, path="/es/inquire/")

    assert response.status_code == 200
    text = page_text(response)
    assert "Por favor, revise 2 datos del formulario" in text
    assert "Por favor, marque la casilla para que podamos responder a su consulta." in text
    assert "Introduzca una dirección de correo electrónico válida." in text
    page = Page(response)
    assert page.find("input", name="name").attrs["value"] == "Ada Lovelace"
    assert page.find("input", name="email").attrs["value"] == "no es un correo"
    assert "I was diagnosed with lupus" in page.find("textarea", name="message").text
    assert Inquiry.objects.count() == 0


def test_the_spanish_form_speaks_spanish(client, make_condition):
    make_condition(name="Systemic Lupus Erythematosus")

    text = page_text(client.get("/es/inquire/"))

    for words in ["Nombre completo", "Teléfono (opcional)", "Cuéntenos su situación",
                  "¿Cómo prefiere que le contactemos?", "Correo electrónico", "Elija una",
                  "Otra / no estoy seguro", "Acepto que la clínica guarde y use estos datos",
                  "Enviar mi consulta"]:  # fmt: skip
        assert words in text


def test_a_spanish_inquiry_records_its_language_and_the_spanish_consent(
    submit_inquiry, settings, client
):
    settings.INQUIRY_CONSENT_VERSION = "2026-11"

    spanish = submit_inquiry(prefix="/es")
    thanks = client.get("/es/inquire/thanks/")
    english = submit_inquiry()

    assert (spanish.language, spanish.consent_version) == ("es", "2026-11-es")
    assert (english.language, english.consent_version) == ("en", "2026-11-en")
    assert "Gracias, hemos recibido su consulta" in page_text(thanks)
    assert spanish.reference in page_text(thanks)


# Sent by the worker, in a language of its own, over SMTP; the worker closes the database
# connection when it is done, as in production.
@pytest.mark.django_db(transaction=True)
def test_the_acknowledgement_is_in_spanish_and_the_staff_email_stays_english(
    submit_inquiry, task_queue, smtp_server, settings
):
    settings.SITE_URL = "https://clinic.example"
    inquiry = submit_inquiry(prefix="/es")

    task_queue()

    received = {item.message["Message-ID"]: item.message for item in smtp_server.received}
    ack = received[message_id(inquiry, "acknowledgement")]
    staff = received[message_id(inquiry, "staff")]
    assert ack["Subject"] == f"Hemos recibido su consulta ({inquiry.reference})"
    text = ack.get_body(("plain",)).get_content()
    for words in (
        "Gracias por escribir a",
        "Su número de referencia es",
        "le contacta por correo electrónico",
        "https://clinic.example/es/privacy/",
    ):
        assert words in text
    assert "lupus" not in text
    html = ack.get_body(("html",)).get_content()
    assert '<html lang="es">' in html and "Qué pasa ahora" in html
    assert staff["Subject"].startswith(f"New inquiry {inquiry.reference}")
    for part in ("plain", "html"):
        assert "Language: Spanish" in staff.get_body((part,)).get_content()
