"""What holds for the whole site: every page's frame, security headers, search engines, the health
check, error pages and the production settings (SPEC §4, §9, §10)."""

import ipaddress
import re
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured
from django.db import OperationalError, connection
from django.test import Client

from tests.pages import find_all, parse, sitemap_locations
from tests.serving import production_settings

SLE = "/conditions/systemic-lupus-erythematosus/"
STUDY = "/research/wang-2018-long-term-follow-up/"
PAGES = [
    ("/", 200),
    ("/conditions/", 200),
    (SLE, 200),
    ("/research/", 200),
    (STUDY, 200),
    ("/privacy/", 200),
    ("/inquire/", 200),
    ("/no-such-page/", 404),
]
PAGE_IDS = ["home", "conditions", "sle", "research", "study", "privacy", "inquire", "not-found"]
SLE_BODY = """\
## What is SLE?

Lupus is an autoimmune disease.[^1] Read more at the [Lupus Foundation](https://www.lupus.org/).

<p style="color: red" onmouseover="alert(1)">Pasted from a word processor.</p>

![A tracking pixel](https://tracker.example/pixel.png)
<img src="//cdn.example/photo.jpg" alt="Protocol-relative">

## Symptoms

| Symptom | How common |
|---|---|
| Joint pain | Very |

## Treatment

Hydroxychloroquine calms the immune system.

[^1]: The body attacks itself by mistake.
"""


@pytest.fixture
def content(make_condition, make_study):
    """The SLE page and a study summary, as the clinic ships them, plus drafts nobody may see."""
    sle = make_condition(
        name="Systemic lupus erythematosus (SLE)",
        slug="systemic-lupus-erythematosus",
        summary="What lupus is and how it is treated.",
        body=SLE_BODY,
    )
    make_condition(name="Draft condition", slug="draft-condition", published=False)
    make_study(
        title="A Long-Term Follow-up Study of Allogeneic Mesenchymal Stem Cell Transplantation",
        slug="wang-2018-long-term-follow-up",
        authors="Wang, Dandan\nZhang, Huayong\nLiang, Jun\nSun, Lingyun",
        journal="Stem Cell Reports",
        year=2018,
        pages="933-941",
        url="https://www.cell.com/stem-cell-reports/fulltext/S2213-6711(18)30047-1",
        registration="NCT01539902",
        abstract="Eighty-one patients were enrolled.",
        conditions=[sle],
        findings=[
            ("Alive 5 years after treatment", "84 %", "68/81"),
            ("In remission at 5 years", "34 %", "28/81"),
        ],
    )
    make_study(title="Draft study", slug="draft-study", published=False, conditions=[sle])
    return sle


def get(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    return response


@pytest.mark.parametrize(("url", "status"), PAGES, ids=PAGE_IDS)
def test_every_page_declares_english(client, content, url, status):
    response = get(client, url, status)

    assert response.content.decode().startswith("<!doctype html>")
    [html] = find_all(parse(response), "html")
    assert html.attrs.get("lang") == "en"


@pytest.mark.parametrize(("url", "status"), PAGES, ids=PAGE_IDS)
def test_every_page_has_exactly_one_h1(client, content, url, status):
    [h1] = find_all(parse(get(client, url, status)), "h1")

    assert h1.text


@pytest.mark.parametrize(("url", "status"), PAGES, ids=PAGE_IDS)
def test_every_page_starts_with_a_skip_link_to_its_main_content(client, content, url, status):
    elements = parse(get(client, url, status))

    first_link = find_all(elements, "a")[0]
    assert first_link.attrs.get("href") == "#main"
    assert first_link.text == "Skip to main content"
    [main] = [element for element in elements if element.attrs.get("id") == "main"]
    assert main.tag == "main"


@pytest.mark.parametrize(("url", "status"), PAGES, ids=PAGE_IDS)
def test_no_two_elements_on_a_page_share_an_id(client, content, url, status):
    ids = [e.attrs["id"] for e in parse(get(client, url, status)) if "id" in e.attrs]

    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize(("url", "status"), PAGES, ids=PAGE_IDS)
def test_every_page_ends_with_the_medical_disclaimer_and_a_privacy_link(
    client, content, url, status
):
    elements = parse(get(client, url, status))

    [footer] = find_all(elements, "footer")
    assert "not medical advice" in footer.text
    assert "investigational" in footer.text
    assert "In an emergency, call your local emergency number." in footer.text
    assert find_all(elements, "a", within=footer, href="/privacy/")


@pytest.mark.parametrize(("url", "status"), PAGES, ids=PAGE_IDS)
def test_no_page_has_inline_styles_or_scripts(client, content, url, status):
    elements = parse(get(client, url, status))

    assert not [e.tag for e in elements if "style" in e.attrs]
    assert not find_all(elements, "style")
    assert not [(e.tag, name) for e in elements for name in e.attrs if name.startswith("on")]
    for script in find_all(elements, "script"):
        assert "src" in script.attrs or script.attrs.get("type") == "application/ld+json"


@pytest.mark.parametrize(("url", "status"), PAGES, ids=PAGE_IDS)
def test_every_page_loads_everything_from_the_site_itself(client, content, url, status):
    elements = parse(get(client, url, status))
    site = urlsplit(django_settings.SITE_URL).netloc

    resources = [e.attrs.get("href") for e in find_all(elements, "link")]
    resources += [
        e.attrs[name] for e in elements for name in ("src", "srcset", "poster") if name in e.attrs
    ]
    assert resources
    for resource in resources:
        parts = urlsplit(resource)
        assert parts.netloc in {"", site}, resource
        assert parts.scheme in {"", "http", "https"}, resource
        if parts.path.startswith(django_settings.STATIC_URL):
            static_path = parts.path.removeprefix(django_settings.STATIC_URL)
            assert finders.find(static_path), f"{resource} is not one of the site's static files"
    for form in find_all(elements, "form"):
        assert urlsplit(form.attrs.get("action", "")).netloc == "", "forms post to the site"


@pytest.mark.parametrize(("url", "status"), PAGES, ids=PAGE_IDS)
def test_every_response_carries_the_security_headers(client, content, url, status):
    response = get(client, url, status)

    policy = response["Content-Security-Policy"]
    directives = {
        words[0]: words[1:] for words in (part.split() for part in policy.split(";")) if words
    }
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    assert directives["default-src"] == ["'self'"]
    for directive in ["script-src", "style-src"]:
        assert set(directives.get(directive, ["'self'"])) <= {"'self'", "'none'"}
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] not in {"", "unsafe-url", "no-referrer-when-downgrade"}
    assert response.get("X-Frame-Options") in {"DENY", "SAMEORIGIN"} or directives.get(
        "frame-ancestors"
    ) in (["'none'"], ["'self'"])


def test_the_home_page_lists_conditions_latest_research_and_invites_questions(client, content):
    response = get(client, "/", 200)
    elements = parse(response)

    links = {a.attrs.get("href"): a.text for a in find_all(elements, "a")}
    assert links[SLE] == "Systemic lupus erythematosus (SLE)"
    assert links[STUDY].startswith("A Long-Term Follow-up Study")
    assert "/research/" in links
    assert "/conditions/draft-condition/" not in links
    assert "/research/draft-study/" not in links
    assert "Draft" not in response.content.decode()
    [main] = find_all(elements, "main")
    assert [a for a in find_all(elements, "a", within=main) if a.attrs["href"] == "/inquire/"]


def test_the_sitemap_lists_the_published_pages_and_the_form_only(client, content):
    response = get(client, "/sitemap.xml", 200)

    assert response["Content-Type"].startswith("application/xml")
    paths = [urlsplit(location).path for location in sitemap_locations(response)]
    assert {"/", "/conditions/", SLE, "/research/", STUDY, "/privacy/", "/inquire/"} <= set(paths)
    for hidden in ["/conditions/draft-condition/", "/research/draft-study/", "/inquire/thanks/"]:
        assert hidden not in paths
    assert len(paths) == len(set(paths))


def test_robots_txt_hides_admin_and_the_thanks_page_and_points_to_the_sitemap(client, db):
    response = get(client, "/robots.txt", 200)

    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert re.search(r"^Sitemap: https?://[^/\s]+/sitemap\.xml$", text, re.MULTILINE)
    rules = [line for line in text.splitlines() if not line.startswith("Sitemap:")]
    assert rules == ["User-agent: *", "Disallow: /admin/", "Disallow: /inquire/thanks/"]
    robots = RobotFileParser()
    robots.parse(text.splitlines())
    for path in ["/", "/inquire/", "/inquire/?condition=systemic-lupus-erythematosus", SLE]:
        assert robots.can_fetch("Googlebot", f"http://testserver{path}"), path
    for path in ["/inquire/thanks/", "/admin/", "/admin/login/?next=/admin/"]:
        assert not robots.can_fetch("Googlebot", f"http://testserver{path}"), path


def test_the_health_check_says_ok_when_the_database_answers(client, db):
    response = get(client, "/healthz", 200)

    assert response["Content-Type"] == "application/json"
    assert response.json()["status"] == "ok"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_the_health_check_answers_head_requests(client, db):
    response = client.head("/healthz")

    assert response.status_code == 200
    assert response.content == b""


def test_the_health_check_answers_503_with_a_reason_when_the_database_is_down(
    client, db, monkeypatch
):
    def unreachable():
        raise OperationalError('connection to server at "secret-db-host" failed')

    # Undone before the test database is rolled back, which needs a working cursor.
    with monkeypatch.context() as patch:
        patch.setattr(connection, "cursor", unreachable)
        response = get(client, "/healthz", 503)

    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["status"] != "ok"
    assert data["reason"]
    assert "secret-db-host" not in response.content.decode()


def test_an_unknown_address_gets_a_friendly_not_found_page(
    client, content, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        response = get(client, "/no-such-page/%3Cscript%3Ealert(1)%3C/script%3E/", 404)

    elements = parse(response)
    assert find_all(elements, "h1")[0].text == "We could not find that page"
    [main] = find_all(elements, "main")
    links = [a.attrs.get("href") for a in find_all(elements, "a", within=main)]
    assert "/" in links
    assert "/conditions/" in links
    assert "<script>alert(1)" not in response.content.decode()


@pytest.mark.urls("tests.clinic.raising_urls")
def test_an_error_gets_a_friendly_page_without_details(db):
    client = Client(raise_request_exception=False)

    response = get(client, "/fail/", 500)

    html = response.content.decode()
    for detail in ["Secret detail", "Jane Example", "hunter2", "RuntimeError", "Traceback"]:
        assert detail not in html
    elements = parse(response)
    [h1] = find_all(elements, "h1")
    assert "something went wrong" in h1.text
    [main] = find_all(elements, "main")
    assert find_all(elements, "a", within=main, href="/")
    [footer] = find_all(elements, "footer")
    assert "not medical advice" in footer.text
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


@pytest.mark.urls("tests.clinic.raising_urls")
@pytest.mark.parametrize(
    ("prefix", "sentence"),
    [("", "Sorry, something went wrong on our side."),
     ("/es", "Lo sentimos, algo salió mal por nuestra parte.")],
)  # fmt: skip
def test_when_even_the_error_page_fails_the_patient_reads_plain_words_in_their_language(
    db, monkeypatch, prefix, sentence
):
    def broken(*args, **kwargs):
        raise RuntimeError("the template cannot be rendered")

    monkeypatch.setattr("clinic.views.render", broken)
    client = Client(raise_request_exception=False)

    response = get(client, prefix + "/fail/", 500)

    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response.content.decode().startswith(sentence)
    assert "Secret detail" not in response.content.decode()


# Production: DJANGO_DEBUG=false with the settings a deployment gives.

HTTPS_SETTINGS = [
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_PROXY_SSL_HEADER",
    "SECURE_REDIRECT_EXEMPT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
]
DEVELOPMENT_MAILERS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
    "django.core.mail.backends.locmem.EmailBackend",
}


def test_production_without_an_smtp_server_refuses_to_start_or_still_sends_email(tmp_path):
    try:
        values = production_settings(tmp_path, EMAIL_HOST=None)
    except ImproperlyConfigured as error:
        assert "EMAIL_HOST" in str(error)
    else:
        assert values["MAILERS"]["default"]["BACKEND"] not in DEVELOPMENT_MAILERS


@pytest.fixture(scope="module")
def production_https_settings(tmp_path_factory):
    return https_settings(tmp_path_factory.mktemp("production"))


def https_settings(folder, **variables):
    values = production_settings(folder, EMAIL_HOST="smtp.clinic.example", **variables)
    return {name: values[name] for name in HTTPS_SETTINGS}


def use_settings(settings, values):
    for name, value in values.items():
        setattr(settings, name, value)
    return values


@pytest.fixture
def production(settings, production_https_settings):
    """This test process, switched to the HTTPS settings the production configuration has."""
    return use_settings(settings, production_https_settings)


@pytest.fixture
def production_with_hsts_preload(settings, tmp_path):
    return use_settings(settings, https_settings(tmp_path, DJANGO_HSTS_PRELOAD="true"))


def test_in_production_plain_http_is_redirected_to_https(client, db, production):
    response = client.get("/privacy/?from=a-link")

    assert response.status_code == 301
    assert response["Location"] == "https://testserver/privacy/?from=a-link"


def test_in_production_https_responses_carry_hsts(client, db, production):
    response = client.get("/privacy/", secure=True)

    assert response.status_code == 200
    hsts = response["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts)[1])
    assert max_age >= 60 * 60 * 24 * 365
    # Binding every subdomain, or the browsers' preload list, is a choice left to the operator.
    assert "includeSubDomains" not in hsts
    assert "preload" not in hsts


def test_in_production_hsts_preload_when_asked_covers_subdomains_too(
    client, db, production_with_hsts_preload
):
    response = client.get("/privacy/", secure=True)

    assert response.status_code == 200
    directives = [part.strip() for part in response["Strict-Transport-Security"].split(";")]
    assert int(directives[0].removeprefix("max-age=")) >= 60 * 60 * 24 * 365
    assert set(directives[1:]) == {"includeSubDomains", "preload"}


@pytest.mark.parametrize(
    ("address", "believed"), [("10.0.0.1", True), ("203.0.113.7", False)], ids=["proxy", "other"]
)
def test_in_production_https_is_believed_only_from_a_trusted_proxy(
    client, db, production, settings, address, believed
):
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/8"),)

    response = client.get("/privacy/", REMOTE_ADDR=address, headers={"X-Forwarded-Proto": "https"})

    assert response.status_code == (200 if believed else 301)
    assert ("Strict-Transport-Security" in response) is believed
    if not believed:
        assert response["Location"] == "https://testserver/privacy/"


def test_in_production_the_health_check_also_answers_over_plain_http(client, db, production):
    response = get(client, "/healthz", 200)

    assert response.json()["status"] == "ok"


def test_in_production_cookies_are_sent_over_https_only(client, db, production):
    response = client.get("/admin/login/", secure=True)

    assert response.status_code == 200
    assert response.cookies[django_settings.CSRF_COOKIE_NAME]["secure"] is True
    assert production["SESSION_COOKIE_SECURE"] is True
