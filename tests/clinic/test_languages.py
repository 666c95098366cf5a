"""English and Spanish: addresses, <html lang>, alternates, switcher and sitemap (SPEC §12)."""

import pytest

from clinic.pagecache import bump_content_version
from tests.pages import find_all, page_text, parse, sitemap_locations

INTERFACE_PAGES = ["/", "/conditions/", "/research/", "/inquire/"]


def alternates(response):
    return {
        link.attrs["hreflang"]: link.attrs["href"]
        for link in find_all(parse(response), "link", rel="alternate")
    }


def html_lang(response):
    return find_all(parse(response), "html")[0].attrs.get("lang")


def switcher(response):
    return [
        (link.attrs["href"], link.text)
        for link in find_all(parse(response), "a", class_="language-switch")
    ]


@pytest.mark.django_db
def test_spanish_lives_under_es_and_english_keeps_its_addresses(client):
    english, spanish = client.get("/"), client.get("/es/")

    assert (english.status_code, html_lang(english)) == (200, "en")
    assert (spanish.status_code, html_lang(spanish)) == (200, "es")
    assert "Talk with an expert" in page_text(english)
    assert "Hable con un experto" in page_text(spanish)
    assert "información general, no consejo médico" in page_text(spanish)


@pytest.mark.django_db
@pytest.mark.parametrize("url", INTERFACE_PAGES)
def test_every_interface_page_has_a_spanish_version(client, url):
    response = client.get("/es" + url)

    assert response.status_code == 200
    assert html_lang(response) == "es"


@pytest.mark.django_db
def test_english_is_chosen_by_the_address_not_the_browser(client):
    response = client.get("/conditions/", headers={"accept-language": "es"})

    assert html_lang(response) == "en"
    assert "Conditions" in page_text(response)


@pytest.mark.django_db
@pytest.mark.parametrize("url", INTERFACE_PAGES)
def test_each_page_names_both_versions_and_a_default(client, settings, url):
    settings.SITE_URL = "https://clinic.example"

    for response in (client.get(url), client.get("/es" + url)):
        assert alternates(response) == {
            "en": f"https://clinic.example{url}",
            "es": f"https://clinic.example/es{url}",
            "x-default": f"https://clinic.example{url}",
        }


@pytest.mark.django_db
def test_the_switcher_is_a_plain_link_to_the_same_page_in_the_other_language(client):
    assert switcher(client.get("/research/")) == [("/es/research/", "Español")]
    assert switcher(client.get("/es/research/")) == [("/research/", "English")]
    link = find_all(parse(client.get("/")), "a", class_="language-switch")[0]
    assert (link.attrs["lang"], link.attrs["hreflang"]) == ("es", "es")


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/fr/", "/xx/conditions/", "/de/inquire/"])
def test_an_unknown_language_prefix_gets_the_english_404_page(client, url):
    response = client.get(url, headers={"accept-language": "es"})

    assert response.status_code == 404
    assert html_lang(response) == "en"
    assert "We could not find that page" in page_text(response)


@pytest.mark.django_db
def test_a_missing_spanish_page_gets_the_spanish_404_page_whose_switcher_leads_home(client):
    response = client.get("/es/conditions/no-such-condition/")

    assert response.status_code == 404
    assert html_lang(response) == "es"
    assert "No encontramos esa página" in page_text(response)
    assert alternates(response) == {}
    assert switcher(response) == [("/", "English")]


@pytest.mark.django_db
def test_machine_and_staff_addresses_have_no_spanish_copy(client):
    for url in ["/es/healthz", "/es/robots.txt", "/es/sitemap.xml", "/es/admin/"]:
        assert client.get(url).status_code == 404
    login = client.get("/admin/login/", headers={"accept-language": "es"})
    assert "Log in" in login.content.decode()


@pytest.mark.django_db
def test_spanish_error_pages_are_spanish(client, settings):
    settings.INQUIRY_RATE_LIMIT = (0, 600)
    response = client.post(
        "/es/inquire/", "name=x", content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code == 429
    assert "Por favor, espere unos minutos" in page_text(response)


@pytest.mark.django_db
def test_the_sitemap_lists_both_languages_with_their_alternates(client):
    response = client.get("/sitemap.xml")
    body = response.content.decode()

    locations = sitemap_locations(response)
    assert "http://testserver/conditions/" in locations
    assert "http://testserver/es/conditions/" in locations
    assert 'hreflang="es" href="http://testserver/es/research/"' in body
    assert 'hreflang="x-default" href="http://testserver/research/"' in body


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/es/", "/es/conditions/", "/es/research/", "/es/inquire/"])
def test_spanish_pages_keep_the_query_bounds(client, url, django_assert_max_num_queries):
    bump_content_version()  # nothing is rendered yet for this version

    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(1):  # kept: the content version alone
        assert client.get(url).status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/es/", "/conditions/"])
def test_pages_do_not_vary_by_the_browsers_language(client, url):
    response = client.get(url, headers={"accept-language": "es"})

    assert "accept-language" not in response.get("Vary", "").lower()


@pytest.mark.django_db
def test_the_privacy_notice_is_spanish_under_es_and_names_both_versions(client, settings):
    settings.SITE_URL = "https://clinic.example"

    response = client.get("/es/privacy/")

    assert html_lang(response) == "es"
    assert alternates(response) == {
        "en": "https://clinic.example/privacy/",
        "es": "https://clinic.example/es/privacy/",
        "x-default": "https://clinic.example/privacy/",
    }
    elements = parse(response)
    [main] = find_all(elements, "main")
    assert main.text.startswith("Aviso de privacidad Qué datos guardamos")
    assert not [
        element for element in elements if main in element.ancestors and "lang" in element.attrs
    ]
    assert switcher(response) == [("/privacy/", "English")]
    assert switcher(client.get("/privacy/")) == [("/es/privacy/", "Español")]
    assert "http://testserver/es/privacy/" in client.get("/sitemap.xml").content.decode()
