"""Translated condition and study pages, their alternates and the editors' view (SPEC §12)."""

import datetime

import pytest

from clinic.pagecache import bump_content_version
from conditions.models import ConditionTranslation
from research.models import StudyTranslation
from tests.clinic.test_languages import alternates, html_lang, switcher
from tests.pages import Page, find_all, meta_tags, page_text, parse, sitemap_locations

SLE = "/conditions/systemic-lupus-erythematosus/"


def spanish(model, **fields):
    """A Spanish translation, made after the original's last review."""
    return model.objects.create(language="es", translated_on=datetime.date(2026, 11, 30), **fields)


@pytest.fixture
def sle_es(sle):
    return spanish(
        ConditionTranslation,
        condition=sle,
        name="Lupus eritematoso sistémico (LES)",
        summary="Qué es el lupus.",
        body="## ¿Qué es el LES?\n\nEl lupus es una enfermedad autoinmune.",
        original_reviewed=datetime.date(2026, 11, 20),
    )


@pytest.fixture
def study(make_study, sle):
    return make_study(
        slug="wang-2014",
        title="Umbilical cord mesenchymal stem cell transplantation in active and refractory SLE",
        conditions=[sle],
        findings=[("Alive at the end", "92.5 %", "37/40"), ("Any response", "60 %", "24/40")],
        abstract="We report a multicenter clinical study.",
        last_reviewed=datetime.date(2026, 11, 20),
    )


@pytest.fixture
def study_es(study):
    return spanish(
        StudyTranslation,
        study=study,
        design="Estudio de un solo grupo, sin grupo de control",
        summary="## Qué se hizo\n\nPalabras sencillas.",
        finding_labels=["Vivos al final", "Alguna respuesta"],
        original_reviewed=datetime.date(2026, 11, 20),
    )


def test_the_spanish_sle_page_shows_the_translation_with_its_dates(client, sle_es, settings):
    settings.SITE_URL = "https://clinic.example"

    response = client.get("/es" + SLE)

    assert response.status_code == 200
    assert html_lang(response) == "es"
    elements = parse(response)
    assert find_all(elements, "h1")[0].text == "Lupus eritematoso sistémico (LES)"
    text = page_text(response)
    assert "El lupus es una enfermedad autoinmune." in text
    assert "Lupus is an autoimmune disease" not in text
    assert (
        "Traducido el 30 de noviembre de 2026 a partir del texto en inglés revisado el "
        "20 de noviembre de 2026." in text
    )
    assert "Última revisión de la página: 20 de noviembre de 2026" in text
    assert alternates(response) == {
        "en": f"https://clinic.example{SLE}",
        "es": f"https://clinic.example/es{SLE}",
        "x-default": f"https://clinic.example{SLE}",
    }
    assert switcher(response) == [(SLE, "English")]
    assert switcher(client.get(SLE)) == [("/es" + SLE, "Español")]


def test_a_page_without_a_translation_names_only_english_and_switches_to_the_spanish_home(
    client, sle, settings
):
    settings.SITE_URL = "https://clinic.example"

    english = client.get(SLE)
    spanish_frame = client.get("/es" + SLE)

    assert alternates(english) == {
        "en": f"https://clinic.example{SLE}",
        "x-default": f"https://clinic.example{SLE}",
    }
    assert switcher(english) == [("/es/", "Español")]
    # Reached anyway, the English text is marked as English inside the Spanish page.
    body = find_all(parse(spanish_frame), "div", lang="en")
    assert body and "Lupus is an autoimmune disease" in body[0].text


def test_spanish_lists_and_the_form_use_the_spanish_names(client, sle_es, study_es):
    for url in ["/es/", "/es/conditions/"]:
        assert "Lupus eritematoso sistémico (LES)" in page_text(client.get(url))
    form = parse(client.get("/es/inquire/"))
    options = [o.text for o in find_all(form, "option")]
    assert "Lupus eritematoso sistémico (LES)" in options
    research = page_text(client.get("/es/research/"))
    assert "Vivos al final" in research and "Estudio de un solo grupo" in research


def test_the_spanish_study_page_keeps_the_bibliography_in_english_marked_as_such(client, study_es):
    response = client.get("/es/research/wang-2014/")

    elements = parse(response)
    text = page_text(response)
    assert "Palabras sencillas." in text
    assert "Vivos al final" in text and "Alguna respuesta" in text
    assert "Alive at the end" not in text
    assert find_all(elements, "h1", lang="en")[0].text.startswith("Umbilical cord")
    abstract = find_all(elements, "div", lang="en")
    assert any("We report a multicenter clinical study." in div.text for div in abstract)
    assert "Resumen de investigación" in text


@pytest.mark.parametrize("url", ["/es" + SLE, "/es/research/wang-2014/", "/es/", "/es/research/"])
def test_translated_pages_keep_the_query_bounds(
    client, sle_es, study_es, url, django_assert_max_num_queries
):
    bump_content_version()  # nothing is rendered yet for this version

    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(1):  # kept: the content version alone
        assert client.get(url).status_code == 200


def test_the_sitemap_lists_a_page_in_spanish_only_where_it_is_translated(
    client, sle_es, make_condition
):
    make_condition(slug="untranslated")

    locations = sitemap_locations(client.get("/sitemap.xml"))

    assert f"http://testserver/es{SLE}" in locations
    assert "http://testserver/conditions/untranslated/" in locations
    assert "http://testserver/es/conditions/untranslated/" not in locations


def test_editors_see_translations_whose_original_was_reviewed_since(
    client, content_editor, sle_es, study_es, sle
):
    client.force_login(content_editor)
    sle.last_reviewed = datetime.date(2027, 1, 15)
    sle.next_review_due = datetime.date(2028, 1, 15)
    sle.save()

    outdated = client.get("/admin/conditions/conditiontranslation/?outdated=yes")
    current = client.get("/admin/research/studytranslation/?outdated=yes")

    assert outdated.status_code == 200
    assert "Lupus eritematoso sistémico (LES)" in outdated.content.decode()
    assert "wang-2014" not in current.content.decode().lower()
    assert "0 study translations" in current.content.decode()


def test_editors_see_a_spanish_reading_ease_for_spanish_text(client, content_editor, sle):
    body = " ".join(["El lupus es una enfermedad. Ataca partes sanas del cuerpo."] * 6)
    translation = ConditionTranslation.objects.create(
        condition=sle,
        language="es",
        name="Lupus",
        summary="Qué es.",
        body=body,
        translated_on=datetime.date(2026, 11, 30),
        original_reviewed=datetime.date(2026, 11, 20),
    )
    client.force_login(content_editor)

    page = client.get(f"/admin/conditions/conditiontranslation/{translation.pk}/change/")

    assert page.status_code == 200
    assert "Fernández Huerta, for Spanish" in page.content.decode()
    assert "Flesch–Kincaid" not in page.content.decode()


def test_an_edited_translation_shows_at_the_next_request(client, sle_es, study_es):
    assert "Lupus eritematoso sistémico (LES)" in page_text(client.get("/es" + SLE))
    assert "Vivos al final" in page_text(client.get("/es/research/wang-2014/"))

    sle_es.name = "Lupus (nombre corregido)"
    sle_es.save()
    study_es.finding_labels = ["Con vida al final", "Alguna respuesta"]
    study_es.save()

    assert "Lupus (nombre corregido)" in page_text(client.get("/es" + SLE))
    assert "Con vida al final" in page_text(client.get("/es/research/wang-2014/"))


def test_a_deleted_translation_leaves_the_page_at_the_next_request(client, sle_es):
    client.get("/es" + SLE)

    sle_es.delete()

    assert "Lupus eritematoso sistémico (LES)" not in page_text(client.get("/es" + SLE))


def test_spanish_research_pages_name_the_condition_in_spanish(client, sle_es, study_es):
    english_name = "Systemic lupus erythematosus (SLE)"

    research = client.get("/es/research/", {"condition": sle_es.condition.slug})
    study = client.get("/es/research/wang-2014/")

    assert find_all(parse(research), "h1")[0].text == (
        "Investigación sobre Lupus eritematoso sistémico (LES)"
    )
    options = [option.text for option in find_all(parse(research), "option")]
    assert options == ["Todas las enfermedades", "Lupus eritematoso sistémico (LES)"]
    links = {a.attrs["href"]: a.text for a in find_all(parse(study), "a")}
    assert links["/es" + SLE] == "Lupus eritematoso sistémico (LES)"
    for response in (research, study):
        assert english_name not in response.content.decode()
    english = client.get("/research/wang-2014/")
    assert {a.attrs["href"]: a.text for a in find_all(parse(english), "a")}[SLE] == english_name


def test_the_spanish_condition_page_gives_each_study_design_in_spanish(client, sle_es, study_es):
    [section] = find_all(
        parse(client.get("/es" + SLE)), "section", aria_labelledby="related-research-heading"
    )

    assert "Estudio de un solo grupo, sin grupo de control; 40 participantes." in section.text
    assert "Single-arm" not in section.text


def test_a_study_without_a_translation_keeps_its_english_design_on_the_condition_page(
    client, sle_es, study
):
    assert "Single-arm study, no control group; 40 participantes." in page_text(
        client.get("/es" + SLE)
    )


def test_spanish_study_pages_count_and_describe_in_spanish(client, study_es):
    response = client.get("/es/research/wang-2014/")

    counts = [span.text for span in find_all(parse(response), "span", class_="finding-count")]
    assert counts == ["(37 de 40)", "(24 de 40)"]
    description = dict(meta for meta in meta_tags(response) if meta[0] == "description")
    assert description["description"] == (
        "Estudio de un solo grupo, sin grupo de control. 40 participantes. "
        "Arthritis Research & Therapy, 2014."
    )


@pytest.mark.parametrize(
    "url", ["/es/research/?condition=systemic-lupus-erythematosus", "/es/research/wang-2014/"]
)
def test_spanish_condition_names_keep_the_query_bounds(
    client, sle_es, study_es, url, django_assert_max_num_queries
):
    bump_content_version()

    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200


def test_an_untranslated_study_is_marked_english_on_spanish_research_pages(client, study):
    for url in ["/es/research/", "/es/research/wang-2014/"]:
        elements = parse(client.get(url))

        [design] = find_all(elements, "dd", lang="en")
        assert design.text == "Single-arm study, no control group"
        labels = find_all(elements, "span", class_="finding-label")
        assert [label.attrs.get("lang") for label in labels] == ["en", "en"]


def test_a_translated_study_is_marked_spanish_on_spanish_research_pages(client, study_es):
    for url in ["/es/research/", "/es/research/wang-2014/"]:
        elements = parse(client.get(url))

        assert find_all(elements, "dd", lang="es")[0].text.startswith("Estudio de un solo grupo")
        labels = find_all(elements, "span", class_="finding-label")
        assert [label.attrs.get("lang") for label in labels] == ["es", "es"]


@pytest.fixture
def untranslated(make_condition):
    return make_condition(name="Systemic sclerosis", slug="systemic-sclerosis")


def marks(page):
    """What the lists of a page say of each condition's and study design's language."""
    home_conditions = page.find_all(
        "li", within=page.find("section", aria_labelledby="conditions-heading")
    )
    return {
        "conditions": {li.find("a").text: li.attrs.get("lang") for li in home_conditions},
        "designs in English": [
            span.text for span in page.find_all("span", lang="en") if "study" in span.text
        ],
    }


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("/es", {
            "conditions": {"Lupus eritematoso sistémico (LES)": None, "Systemic sclerosis": "en"},
            "designs in English": ["Single-arm study, no control group."],
        }),
        ("", {
            "conditions": {"Systemic lupus erythematosus (SLE)": None, "Systemic sclerosis": None},
            "designs in English": [],
        }),
    ],
)  # fmt: skip
def test_the_home_page_marks_what_it_shows_untranslated_as_english(
    client, sle_es, study, untranslated, prefix, expected
):
    assert marks(Page(client.get(prefix + "/"))) == expected


def test_the_condition_page_and_the_research_filter_mark_untranslated_text_as_english(
    client, sle_es, study, untranslated, make_study
):
    make_study(conditions=[untranslated])
    condition_page = Page(client.get("/es" + SLE))
    assert [span.text for span in condition_page.find_all("span", lang="en")][-1] == (
        "Single-arm study, no control group"
    )
    options = Page(client.get("/es/research/")).find_all("option")
    assert {option.text: option.attrs.get("lang") for option in options[1:]} == {
        "Lupus eritematoso sistémico (LES)": None,
        "Systemic sclerosis": "en",
    }


def test_the_spanish_conditions_list_marks_an_untranslated_condition_as_english(
    client, sle_es, untranslated
):
    items = Page(client.get("/es/conditions/")).find_all("li", class_="mb-3")

    assert {li.find("a").text: li.attrs.get("lang") for li in items} == {
        "Lupus eritematoso sistémico (LES)": None,
        "Systemic sclerosis": "en",
    }
