"""`manage.py load_content` all or nothing (SPEC §7): a bad file is an error naming the file and the
field, and nothing is loaded, not even from the good files; nor when writing fails half-way."""

import datetime

import pytest
from django.core.management import CommandError

from conditions.models import Condition
from research.models import KeyFinding, Study
from tests.clinic.content_files import CONDITION, FINDINGS, STUDY, document, load, snapshot

pytestmark = pytest.mark.django_db


def test_a_failure_while_writing_rolls_back_everything(content, monkeypatch):
    content.condition()
    content.study()

    def broken_bulk_create(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(KeyFinding.objects, "bulk_create", broken_bulk_create)
    with pytest.raises(RuntimeError):
        load(content.root)
    assert Condition.objects.count() == 0 and Study.objects.count() == 0


BAD_INPUT = {
    "invalid-toml": (
        None,
        lambda f: f.raw("conditions", "z-bad", '+++\nname = "Lupus\nsummary = 1\n+++\nBody\n'),
    ),
    "toml-duplicate-key": (
        None,
        lambda f: f.raw(
            "conditions",
            "z-bad",
            document(CONDITION, "Body").replace("+++\n", '+++\nname = "X"\n', 1),
        ),
    ),
    "no-opening-fence": (
        None,
        lambda f: f.raw("conditions", "z-bad", document(CONDITION, "Body")[4:]),
    ),
    "no-closing-fence": (
        None,
        lambda f: f.raw(
            "conditions", "z-bad", document(CONDITION, "Body").replace("\n+++\n", "\n")
        ),
    ),
    "fence-with-trailing-text": (
        None,
        lambda f: f.raw(
            "conditions", "z-bad", document(CONDITION, "Body").replace("\n+++\n", "\n+++ x\n")
        ),
    ),
    "non-utf8": (
        None,
        lambda f: f.raw(
            "conditions",
            "z-bad",
            document(CONDITION, "Café")
            .encode("utf-8")
            .replace("Café".encode(), "Caf\xe9".encode("latin-1")),
        ),
    ),
    "unknown-condition-field": ("colour", lambda f: f.condition("z-bad", colour="red")),
    "body-html-is-not-a-field": ("body_html", lambda f: f.condition("z-bad", body_html="<b>")),
    "missing-name": ("name", lambda f: f.condition("z-bad", name=None)),
    "blank-name": ("name", lambda f: f.condition("z-bad", name="")),
    "missing-summary": ("summary", lambda f: f.condition("z-bad", summary=None)),
    "missing-last-reviewed": ("last_reviewed", lambda f: f.condition("z-bad", last_reviewed=None)),
    "published-as-text": ("published", lambda f: f.condition("z-bad", published="yes")),
    "published-as-number": ("published", lambda f: f.condition("z-bad", published=1)),
    "order-as-text": ("order", lambda f: f.condition("z-bad", order="first")),
    "order-negative": ("order", lambda f: f.condition("z-bad", order=-1)),
    "last-reviewed-as-number": (
        "last_reviewed",
        lambda f: f.condition("z-bad", last_reviewed=2026),
    ),
    "last-reviewed-as-text": (
        "last_reviewed",
        lambda f: f.condition("z-bad", last_reviewed="20 November 2026"),
    ),
    "last-reviewed-as-datetime": (
        "last_reviewed",
        lambda f: f.raw(
            "conditions",
            "z-bad",
            document(CONDITION, "Body").replace("2026-11-20", "2026-11-20T10:00:00"),
        ),
    ),
    "next-review-before-last": (
        "next_review_due",
        lambda f: f.condition("z-bad", next_review_due=datetime.date(2025, 1, 1)),
    ),
    "next-review-same-day": (
        "next_review_due",
        lambda f: f.condition("z-bad", next_review_due=datetime.date(2026, 11, 20)),
    ),
    "name-too-long": ("name", lambda f: f.condition("z-bad", name="x" * 121)),
    "slug-not-a-slug": ("slug", lambda f: f.condition("z-bad", slug="Not a slug!")),
    "duplicate-condition-slug": ("slug", lambda f: f.condition("z-bad", slug="a-good")),
    "unknown-study-field": ("impact_factor", lambda f: f.study("z-bad", impact_factor=5)),
    "missing-title": ("title", lambda f: f.study("z-bad", title=None)),
    "missing-journal": ("journal", lambda f: f.study("z-bad", journal=None)),
    "year-as-text": ("year", lambda f: f.study("z-bad", year="abc")),
    "year-as-float": ("year", lambda f: f.study("z-bad", year=2014.5)),
    "participants-negative": ("participants", lambda f: f.study("z-bad", participants=-1)),
    "participants-as-text": ("participants", lambda f: f.study("z-bad", participants="forty")),
    "published-on-as-text": ("published_on", lambda f: f.study("z-bad", published_on="2014")),
    "published-as-text-in-study": ("published", lambda f: f.study("z-bad", published="yes")),
    "unknown-condition-slug": ("conditions", lambda f: f.study("z-bad", conditions=["gout"])),
    "conditions-not-a-list": ("conditions", lambda f: f.study("z-bad", conditions="lupus")),
    "authors-not-a-list": ("authors", lambda f: f.study("z-bad", authors="Wang, Dandan")),
    "authors-list-of-numbers": ("authors", lambda f: f.study("z-bad", authors=[1, 2])),
    "authors-given-name-first": (
        "authors",
        lambda f: f.study("z-bad", authors=["Wang, Dandan", "Jing Li"]),
    ),
    "authors-empty": ("authors", lambda f: f.study("z-bad", authors=[])),
    "bad-doi": ("doi", lambda f: f.study("z-bad", doi="https://doi.org/10.1186/ar4520")),
    "bad-pmid": ("pmid", lambda f: f.study("z-bad", pmid="PMID24661633")),
    "bad-registration": ("registration", lambda f: f.study("z-bad", registration="NCT123")),
    "bad-url": ("url", lambda f: f.study("z-bad", url="not a url")),
    "duplicate-study-slug": ("slug", lambda f: f.study("z-bad", slug="a-good")),
    "findings-as-one-table": (
        "findings",
        lambda f: f.raw(
            "research",
            "z-bad",
            document(STUDY, "Body", FINDINGS[:1]).replace("[[findings]]", "[findings]"),
        ),
    ),
    "finding-count-in-words": (
        "findings[2].count",
        lambda f: f.study(
            "z-bad",
            findings=[FINDINGS[0], {"label": "Alive", "value": "84 %", "count": "68 of 81"}],
        ),
    ),
    "finding-count-over-one": (
        "findings[1].count",
        lambda f: f.study(
            "z-bad", findings=[{"label": "Alive", "value": "84 %", "count": "82/81"}]
        ),
    ),
    "finding-unknown-key": (
        "findings[1].percent",
        lambda f: f.study("z-bad", findings=[{"label": "Alive", "value": "84 %", "percent": 84}]),
    ),
    "finding-missing-label": (
        "findings[1].label",
        lambda f: f.study("z-bad", findings=[{"value": "84 %", "count": "68/81"}]),
    ),
    "finding-count-as-number": (
        "findings[1].count",
        lambda f: f.study("z-bad", findings=[{"label": "Alive", "value": "84 %", "count": 68}]),
    ),
}


@pytest.fixture(params=["empty-database", "database-with-rows"])
def good_content(request, content):
    """Good files that sort before the bad one; with rows already loaded from them, and then a
    change to one of them, so that a load that went through would write something."""
    content.condition(filename="a-good", slug="a-good")
    content.condition(filename="lupus")
    content.study(filename="a-good", slug="a-good")
    if request.param == "database-with-rows":
        load(content.root)
        assert Study.objects.count() == 1
        content.condition(filename="lupus", summary="A changed summary.")
    return content


@pytest.mark.parametrize("name", list(BAD_INPUT))
def test_bad_input_names_file_and_field_and_changes_nothing(good_content, name):
    field, write = BAD_INPUT[name]
    path = write(good_content)
    before = snapshot()

    with pytest.raises(CommandError) as error:
        load(good_content.root)

    message = str(error.value)
    assert good_content.shown(path) in message
    if field is not None:
        assert f"field '{field}'" in message
    assert "Nothing was loaded." in message
    assert snapshot() == before


def test_an_unknown_field_is_an_error_rather_than_ignored(content):
    content.condition(reviewed_on=datetime.date(2026, 1, 1))
    with pytest.raises(CommandError, match=r"conditions/lupus\.md: field 'reviewed_on'"):
        load(content.root)
    assert Condition.objects.count() == 0


def test_a_duplicate_slug_names_both_files(content):
    content.condition(filename="lupus")
    second = content.condition(filename="sle", slug="lupus")
    with pytest.raises(CommandError) as error:
        load(content.root)
    message = str(error.value)
    assert message.startswith(content.shown(second))
    assert "content/conditions/lupus.md" in message


def test_invalid_toml_says_where(content):
    content.raw("conditions", "lupus", '+++\nname = "Lupus"\nsummary = ?\norder = 1\n+++\nBody\n')
    with pytest.raises(CommandError, match=r"conditions/lupus\.md: .*TOML.*line 2"):
        load(content.root)


def test_a_path_that_does_not_exist_is_an_error(tmp_path):
    missing = tmp_path / "no-such-folder"
    with pytest.raises(CommandError, match=str(missing)):
        load(missing)


def test_a_file_instead_of_a_folder_is_an_error(tmp_path):
    path = tmp_path / "lupus.md"
    path.write_text(document(CONDITION, "Body"))
    with pytest.raises(CommandError, match="is not a folder"):
        load(path)
    assert Condition.objects.count() == 0


def test_a_folder_without_conditions_or_research_is_an_error(tmp_path):
    (tmp_path / "pages").mkdir()
    with pytest.raises(CommandError, match="neither a conditions/ nor a research/ folder"):
        load(tmp_path)


def test_a_study_cannot_refer_to_a_condition_only_in_a_bad_file(content):
    content.condition(filename="lupus", name=None)
    content.study()
    with pytest.raises(CommandError, match=r"conditions/lupus\.md: field 'name'"):
        load(content.root)
    assert snapshot() == ([], [], [], [])


@pytest.mark.parametrize("kind", ["condition", "study"])
def test_a_file_without_a_body_is_an_error(content, kind):
    content.condition(body="" if kind == "condition" else "## About\n\nText.\n")
    if kind == "study":
        content.study(body="\n")
    with pytest.raises(CommandError, match="field '(body|summary)'"):
        load(content.root)


def test_a_nul_character_in_a_text_field_is_an_error_naming_it(content):
    content.condition(name="Lu\x00pus")
    with pytest.raises(CommandError, match="field 'name'"):
        load(content.root)


def test_the_error_names_the_file_from_the_folder_above_content_in_whole_sentences(content):
    content.condition(published="yes")
    with pytest.raises(CommandError) as error:
        load(content.root)
    assert str(error.value) == (
        "content/conditions/lupus.md: field 'published': must be true or false. Nothing was loaded."
    )
