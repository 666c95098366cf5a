"""The privacy notice tells a patient everything the site stores about them (SPEC §4, §14)."""

import pytest

from inquiries.models import Inquiry
from tests.pages import find_all, parse

# The notice is a kept page: it reads the content version from the cache, which may be the database.
pytestmark = pytest.mark.django_db

# Words in the notice that name each thing stored with an inquiry, in each language. Derived from
# the model below, so a new field or related record fails the first test until the notice names it
# and it is added here.
NAMED_IN_ENGLISH = {
    "reference": "reference number",
    "created_at": "the time you sent it",
    "name": "your name",
    "email": "your email address",
    "phone": "phone number",
    "phone_digits": "phone number",  # the same number, its digits only, to recognise it
    "country": "your country",
    "condition": "the condition you ask about",
    "message": "your message",
    "language": "the language of the form you sent",
    "contact_preference": "by email or by phone",
    "consent_at": "the time you agreed to this notice",
    "consent_version": "version of the consent wording",
    "source_page": "the page of our website you sent the form from",
    "referrer": "referring page",
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
    "ip_hash": "salted hash of your internet (IP) address",
    "form_nonce": "random code given to the form",
    "spam_reason": "for spam, the reason",
    "status": "its status",
    "status_changed_at": "when it changed",
    "first_contacted_at": "when we first contacted you",
    "assigned_to": "which staff member is looking after it",
    "erased_at": "when your details were erased",
    "erased_by": "who erased them",
    "notes": "the notes they write",
    "status_changes": "history of the changes",
    "accesses": "every time a staff member opens, exports or erases it",
    "deliveries": "each email we send about it",
    "replies": "the replies our staff send you",
}
NAMED_IN_SPANISH = {
    "reference": "número de referencia",
    "created_at": "el momento en que lo envió",
    "name": "su nombre",
    "email": "su dirección de correo electrónico",
    "phone": "número de teléfono",
    "phone_digits": "número de teléfono",
    "country": "su país",
    "condition": "la enfermedad por la que pregunta",
    "message": "su mensaje",
    "language": "el idioma del formulario que envió",
    "contact_preference": "por correo electrónico o por teléfono",
    "consent_at": "el momento en que aceptó este aviso",
    "consent_version": "versión del texto de consentimiento",
    "source_page": "la página de nuestro sitio web desde la que envió el formulario",
    "referrer": "página de procedencia",
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
    "ip_hash": "hash con sal de su dirección de internet (IP)",
    "form_nonce": "código aleatorio asignado al formulario",
    "spam_reason": "por correo basura (spam), el motivo",
    "status": "su estado",
    "status_changed_at": "cuándo cambió",
    "first_contacted_at": "cuándo le contactamos por primera vez",
    "assigned_to": "qué persona de nuestro personal se ocupa de ella",
    "erased_at": "cuándo se borraron sus datos",
    "erased_by": "quién los borró",
    "notes": "las notas que escribe",
    "status_changes": "historial de los cambios",
    "accesses": "cada vez que alguien de nuestro personal la abre, la exporta o la borra",
    "deliveries": "cada correo que enviamos sobre ella",
    "replies": "las respuestas que nuestro personal le envía",
}
NAMED_IN_THE_NOTICE = {"en": NAMED_IN_ENGLISH, "es": NAMED_IN_SPANISH}
NOTICE = {"en": "/privacy/", "es": "/es/privacy/"}


def stored_with_an_inquiry():
    return {field.name for field in Inquiry._meta.get_fields()} - {Inquiry._meta.pk.name}


def notice_text(client, language="en"):
    response = client.get(NOTICE[language])
    assert response.status_code == 200
    [main] = find_all(parse(response), "main")
    return main.text


@pytest.mark.parametrize(
    ("language", "headings"),
    [
        ("en", [
            "What we collect",
            "Why we collect it",
            "How long we keep it",
            "Your rights: a copy, a correction or deletion",
        ]),
        ("es", [
            "Qué datos guardamos",
            "Para qué los guardamos",
            "Cuánto tiempo los conservamos",
            "Sus derechos: una copia, una corrección o el borrado",
        ]),
    ],
)  # fmt: skip
def test_the_notice_says_what_is_collected_why_for_how_long_and_the_patients_rights(
    client, language, headings
):
    prefix = "" if language == "en" else f"/{language}"
    page = client.get(f"{prefix}/privacy/")

    assert [h2.text for h2 in find_all(parse(page), "h2")] == headings


@pytest.mark.parametrize("language", NOTICE)
def test_every_field_and_record_of_an_inquiry_has_its_words_in_the_notice(language):
    assert stored_with_an_inquiry() == set(NAMED_IN_THE_NOTICE[language])


@pytest.mark.parametrize(
    ("language", "stored", "words"),
    [
        (language, stored, words)
        for language, named in NAMED_IN_THE_NOTICE.items()
        for stored, words in sorted(named.items())
    ],
)
def test_the_notice_names_what_is_stored(client, language, stored, words):
    assert words in notice_text(client, language)


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", "we never store the address"), ("es", "nunca guardamos la dirección")],
)
def test_the_notice_says_the_internet_address_itself_is_not_stored(client, language, words):
    assert words in notice_text(client, language)


@pytest.mark.parametrize(
    ("language", "configured", "shorter", "year", "section"),
    [
        ("en", "for 730 days (about 2 years)", "for 90 days,", "year",
         ("How long we keep it", "Your rights")),
        ("es", "durante 730 días (aproximadamente 2 años)", "durante 90 días,", "año",
         ("Cuánto tiempo los conservamos", "Sus derechos")),
    ],
)  # fmt: skip
def test_the_notice_gives_the_retention_period_the_site_is_configured_with(
    client, settings, language, configured, shorter, year, section
):
    assert configured in notice_text(client, language)

    settings.INQUIRY_RETENTION_DAYS = 90
    text = notice_text(client, language)
    assert shorter in text
    assert "730" not in text
    assert year not in text.split(section[0])[1].split(section[1])[0]


@pytest.mark.parametrize(
    ("language", "sentences"),
    [
        ("en", [
            "ask us at any time for a copy of the details we hold about you",
            "or to delete them",
            "Reply to any email we sent you",
        ]),
        ("es", [
            "Puede pedirnos en cualquier momento una copia de los datos que tenemos sobre usted",
            "o que los borremos",
            "Responda a cualquier correo que le hayamos enviado",
        ]),
    ],
)  # fmt: skip
def test_the_notice_says_how_to_ask_for_a_copy_or_deletion(client, language, sentences):
    text = notice_text(client, language)

    for sentence in sentences:
        assert sentence in text
