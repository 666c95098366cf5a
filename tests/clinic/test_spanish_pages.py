"""Every Spanish page reads as Spanish: no English outside the parts marked lang="en" (SPEC §12)."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client
from django.test.client import MULTIPART_CONTENT

from inquiries.views import SESSION_KEY
from research.models import Study
from tests.pages import find_all, meta_tags, parse, text_in_page_language

FORM_ENCODED = "application/x-www-form-urlencoded"
SLE = "/es/conditions/systemic-lupus-erythematosus/"
STUDIES = [
    "/es/research/wang-2014-umbilical-cord-msc-multicentre/",
    "/es/research/deng-2017-placebo-controlled-lupus-nephritis/",
    "/es/research/wang-2018-long-term-follow-up/",
]
# Words of English that Spanish does not use: function words, and the interface's and the seed
# content's own words (a condition's English name, a study design in English).
ENGLISH = set(
    """
    about all and are as at be by can day days do does for form from has have how if in is it
    not of on or our page please read request research study studies that the this to was we
    what when which why will with you your year years
    condition conditions design findings key notice participant participants patients privacy
    send summary thank treatment trial
    arm erythematosus follow group long randomised single systemic term
    """.split()
)


@pytest.fixture
def content(db):
    call_command("load_content", stdout=io.StringIO())


def english_words(text):
    return sorted(set(re.findall(r"\w+", text.lower())) & ENGLISH)


def read_as_spanish(response):
    """The text a visitor reads as Spanish: the body outside lang="en", the accessible names and
    the description given to search engines (where a study's journal keeps its own name)."""
    elements = parse(response)
    labels = [e.attrs[name] for e in elements for name in ("aria-label", "title", "alt")
              if name in e.attrs]  # fmt: skip
    description = " ".join(
        content for name, content in meta_tags(response) if name == "description"
    )
    for journal in Study.objects.values_list("journal", flat=True):
        description = description.replace(journal, "")
    return " ".join([text_in_page_language(response), *labels, description])


def thanks(client):
    session = client.session
    session[SESSION_KEY] = "INQ-7K3F9Q"
    session.save()
    return client.get("/es/inquire/thanks/")


def rate_limited(client, settings):
    settings.INQUIRY_RATE_LIMIT = (0, 600)
    return client.post("/es/inquire/", "name=María", content_type=FORM_ENCODED)


def walk(client, settings):
    """Every Spanish page a patient can reach, with its status."""
    pages = {
        url: (client.get(url), 200)
        for url in [
            "/es/",
            "/es/conditions/",
            SLE,
            "/es/research/",
            "/es/research/?condition=systemic-lupus-erythematosus",
            *STUDIES,
            "/es/inquire/",
            "/es/privacy/",
        ]
    }
    pages["form with errors"] = (
        client.post("/es/inquire/", "name=María&email=no-es-un-correo", content_type=FORM_ENCODED),
        200,
    )
    pages["thanks"] = (thanks(client), 200)
    pages["not found"] = (client.get("/es/no-such-page/"), 404)
    pages["upload"] = (client.post("/es/inquire/", {"file": io.BytesIO(b"x")}), 400)
    pages["unknown field"] = (
        client.post("/es/inquire/", "name=María&extra=1", content_type=FORM_ENCODED),
        400,
    )
    pages["expired form"] = (
        Client(enforce_csrf_checks=True).post(
            "/es/inquire/", "name=María", content_type=FORM_ENCODED
        ),
        403,
    )
    pages["too many"] = (rate_limited(client, settings), 429)
    return pages


def test_every_spanish_page_reads_as_spanish(client, content, settings):
    pages = walk(client, settings)

    found = {}
    for name, (response, status) in pages.items():
        assert response.status_code == status, name
        assert find_all(parse(response), "html")[0].attrs["lang"] == "es", name
        if words := english_words(read_as_spanish(response)):
            found[name] = words
    assert found == {}


def test_the_spanish_titles_are_spanish_except_a_papers_own_title(client, content, settings):
    for name, (response, _) in walk(client, settings).items():
        title = find_all(parse(response), "title")[0].text
        if name not in STUDIES:
            assert english_words(title) == [], name


def test_the_walk_sees_english_where_the_page_shows_it(client, content):
    # The check itself: the same pages in English are full of the words it looks for.
    assert english_words(read_as_spanish(client.get("/research/"))) != []
    assert english_words(read_as_spanish(client.get("/privacy/"))) != []


# The body check answers before the locale is known (clinic.request_bodies).


def refused(client, path, kind):
    if kind == "upload":
        return client.generic("POST", path, b"--x--\r\n", content_type=MULTIPART_CONTENT)
    if kind == "too large":
        return client.generic("POST", path, b"", content_type=FORM_ENCODED, CONTENT_LENGTH="999999")
    if kind == "impossible length":
        return client.generic("POST", path, b"", content_type=FORM_ENCODED, CONTENT_LENGTH="-1")
    return client.generic("POST", path, content_type=FORM_ENCODED, HTTP_TRANSFER_ENCODING="chunked")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "status", "english", "spanish"),
    [
        ("upload", 400, "The form does not take files.", "El formulario no admite archivos."),
        ("too large", 413, "The request was too large.", "La solicitud era demasiado grande."),
        ("impossible length", 400, "The request gave an impossible length.",
         "La solicitud indicaba un tamaño imposible."),
        ("no length", 411, "The request did not say how long it is.",
         "La solicitud no indicaba su tamaño."),
    ],
)  # fmt: skip
def test_a_refused_body_gets_the_page_in_the_language_of_its_address(
    client, kind, status, english, spanish
):
    for path, language, reason, heading in [
        ("/es/inquire/", "es", spanish, "No pudimos leer esa solicitud"),
        ("/inquire/", "en", english, "We could not read that request"),
        ("/es/", "es", spanish, "No pudimos leer esa solicitud"),
        ("/fr/inquire/", "en", english, "We could not read that request"),
    ]:
        response = refused(client, path, kind)

        assert response.status_code == status
        elements = parse(response)
        assert find_all(elements, "html")[0].attrs["lang"] == language, path
        [main] = find_all(elements, "main")
        assert main.text.startswith(f"{heading} {reason} "), path


@pytest.mark.django_db
def test_a_refusal_after_a_spanish_page_is_english_at_an_english_address(client):
    client.get("/es/")

    response = refused(client, "/inquire/", "upload")

    assert find_all(parse(response), "html")[0].attrs["lang"] == "en"
    assert "The form does not take files." in response.content.decode()
    assert find_all(parse(response), "a", href="/inquire/")
