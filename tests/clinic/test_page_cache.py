"""Public pages are rendered once per content version and served from that render; any cache may
keep them; an edit shows at the next request (SPEC §11)."""

import shutil

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.management import call_command
from django.utils.http import http_date

from clinic.env import database_from_url
from clinic.pagecache import VERSION_KEY, bump_content_version
from conditions.models import Condition
from research.models import KeyFinding, Study
from tests.pages import page_text

SLE = "/conditions/systemic-lupus-erythematosus/"
STUDY = "/research/follow-up/"
PUBLIC = [
    "/",
    "/conditions/",
    "/research/",
    "/research/?condition=systemic-lupus-erythematosus",
    STUDY,
    STUDY + "cite.ris",
    STUDY + "cite.bib",
    "/privacy/",
    "/sitemap.xml",
    "/robots.txt",
]
WITH_FORM = [SLE, "/inquire/", "/inquire/?condition=systemic-lupus-erythematosus"]


@pytest.fixture
def content(make_condition, make_study):
    sle = make_condition(name="Systemic lupus erythematosus", slug="systemic-lupus-erythematosus")
    other = make_condition(name="Rheumatoid arthritis", slug="rheumatoid-arthritis")
    for n in range(3):
        make_study(
            title=f"Study number {n}",
            slug="follow-up" if n == 0 else f"study-{n}",
            conditions=[sle, other],
            findings=[("Alive after 5 years", "84 %", "68/81")] * 3,
        )
    return sle


def cache_control(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",")}


def vary(response):
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


@pytest.mark.parametrize("url", PUBLIC)
def test_a_public_page_may_be_kept_by_any_cache(client, content, url):
    response = client.get(url)

    assert response.status_code == 200
    assert cache_control(response) == {"public", "max-age=300"}
    assert response["ETag"].startswith('"')
    assert response["Last-Modified"].endswith(" GMT")
    assert not response.cookies
    assert "cookie" not in vary(response)


def test_page_cache_seconds_sets_how_long(client, content, settings):
    settings.PAGE_CACHE_SECONDS = 60

    assert cache_control(client.get("/research/")) == {"public", "max-age=60"}


@pytest.mark.parametrize("url", PUBLIC)
def test_a_public_page_answers_304_when_the_copy_is_current(client, content, url):
    first = client.get(url)

    by_etag = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])

    assert by_etag.status_code == 304
    assert by_date.status_code == 304
    assert by_etag.content == b""
    assert by_etag["ETag"] == first["ETag"]
    assert cache_control(by_etag) == {"public", "max-age=300"}


def test_a_stale_copy_gets_the_new_page(client, content):
    first = client.get("/conditions/")

    Condition.objects.filter(slug="rheumatoid-arthritis").get().delete()
    response = client.get(
        "/conditions/",
        HTTP_IF_NONE_MATCH=first["ETag"],
        HTTP_IF_MODIFIED_SINCE=first["Last-Modified"],
    )

    assert response.status_code == 200
    assert response["ETag"] != first["ETag"]
    assert "Rheumatoid arthritis" not in page_text(response)


SPANISH = ["/es/", "/es/conditions/", "/es/research/", "/es" + STUDY, "/es" + SLE, "/es/inquire/"]


@pytest.mark.parametrize("url", PUBLIC + WITH_FORM + SPANISH)
def test_a_page_needs_at_most_three_queries_and_one_once_rendered(
    client, content, url, django_assert_max_num_queries
):
    bump_content_version()  # nothing is rendered yet for this version

    with django_assert_max_num_queries(3):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(1):  # the content version, from the shared cache
        response = client.get(url)

    assert response.status_code == 200
    assert response.templates == []


def test_the_page_is_rendered_once_per_content_version(client, content):
    rendered = client.get("/research/")
    served = client.get("/research/")

    assert "research/study_list.html" in [t.name for t in rendered.templates]
    assert served.templates == []
    assert served.content == rendered.content


@pytest.mark.parametrize(
    ("url", "edit", "shown"),
    [
        ("/", lambda: Condition.objects.get(slug="rheumatoid-arthritis").delete(), None),
        (SLE, lambda: _rename(Condition, "systemic-lupus-erythematosus", "name"), "name"),
        ("/research/", lambda: _rename(Study, "follow-up", "title"), "title"),
        (STUDY, lambda: _relabel_finding(), "label"),
        (STUDY + "cite.ris", lambda: _rename(Study, "follow-up", "title"), "title"),
        ("/conditions/", lambda: _rename(Condition, "rheumatoid-arthritis", "name"), "name"),
        ("/inquire/", lambda: _rename(Condition, "rheumatoid-arthritis", "name"), "name"),
    ],
    ids=["delete", "condition", "study", "finding", "citation", "list", "form-choices"],
)
def test_an_edit_shows_at_the_next_request(client, content, url, edit, shown):
    before = client.get(url).content.decode()

    edit()
    after = client.get(url).content.decode()

    assert after != before
    if shown:
        assert "Edited " + shown in after
    else:
        assert "Rheumatoid arthritis" in before and "Rheumatoid arthritis" not in after


def _rename(model, slug, field):
    item = model.objects.get(slug=slug)
    setattr(item, field, f"Edited {field}")
    item.save()


def _relabel_finding():
    finding = KeyFinding.objects.filter(study__slug="follow-up").first()
    finding.label = "Edited label"
    finding.save()


def test_a_study_moved_to_another_condition_leaves_its_list(client, content):
    filtered = "/research/?condition=rheumatoid-arthritis"
    assert "Study number 0" in page_text(client.get(filtered))

    Study.objects.get(slug="follow-up").conditions.remove(
        Condition.objects.get(slug="rheumatoid-arthritis")
    )

    assert "Study number 0" not in page_text(client.get(filtered))


def test_a_new_version_in_the_shared_cache_renders_the_page_again(client, content):
    """What another server process does after an edit: it replaces the version in the cache."""
    assert "Study number 1" in page_text(client.get("/research/"))
    # Changed without the signals a save sends: this process keeps serving its render...
    Study.objects.filter(slug="study-1").update(title="Changed elsewhere")
    assert "Study number 1" in page_text(client.get("/research/"))

    cache.set(VERSION_KEY, "1.0-elsewhere", timeout=None)

    assert "Changed elsewhere" in page_text(client.get("/research/"))


def test_load_content_shows_at_the_next_request(client, db, tmp_path):
    shutil.copytree(django_settings.CONTENT_DIR, tmp_path / "content")
    call_command("load_content", tmp_path / "content", stdout=None)
    assert "Page last reviewed" in page_text(client.get(SLE))
    source = next((tmp_path / "content" / "conditions").glob("*.md"))
    text = source.read_text()
    source.write_text(text.replace("\n+++\n", "\n+++\n\nA sentence added by an editor.\n", 1))

    call_command("load_content", tmp_path / "content", stdout=None)

    assert "A sentence added by an editor." in page_text(client.get(SLE))


def test_last_modified_is_when_the_content_last_changed(client, content):
    cache.set(VERSION_KEY, "1796000000.25-abc", timeout=None)

    response = client.get("/privacy/")

    assert response["Last-Modified"] == http_date(1796000001)


def test_each_language_has_a_render_of_its_own(client, content):
    english = client.get("/research/")

    response = client.get("/es/research/")

    assert "research/study_list.html" in [t.name for t in response.templates]
    assert (english["Content-Language"], response["Content-Language"]) == ("en", "es")
    assert "accept-language" not in vary(response)
    assert client.get("/research/")["Content-Language"] == "en"


@pytest.mark.parametrize("url", WITH_FORM)
def test_a_page_with_the_form_is_private_and_never_stored(client, content, url):
    client.get(url)
    response = client.get(url)

    assert response.status_code == 200
    assert {"private", "no-store"} <= cache_control(response)
    assert "ETag" not in response
    assert "public" not in cache_control(response)


def test_the_sqlite_database_keeps_its_connection_between_requests(monkeypatch, tmp_path):
    """Opening and setting up the file for each request cost more than a kept page."""
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)

    database = database_from_url("DATABASE_URL", tmp_path / "db.sqlite3")

    assert database["CONN_MAX_AGE"] == 600
    assert database["CONN_HEALTH_CHECKS"] is True
