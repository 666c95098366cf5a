"""`manage.py load_content [PATH]` (SPEC §7, docs/content.md): creates or updates rows from Markdown
files, is idempotent, keeps admin edits until a file changes, and a bad file changes nothing."""

import datetime
import io
import json

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from conditions.models import Condition
from research.models import KeyFinding, Study

pytestmark = pytest.mark.django_db

SLE = "systemic-lupus-erythematosus"


def toml(value):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | datetime.date):
        return value.isoformat() if isinstance(value, datetime.date) else str(value)
    if isinstance(value, str):
        return json.dumps(value)  # a JSON string is a valid TOML basic string
    if isinstance(value, list):
        return "[" + ", ".join(toml(item) for item in value) + "]"
    raise TypeError(value)


def document(fields, body, findings=()):
    lines = [f"{name} = {toml(value)}" for name, value in fields.items() if value is not None]
    for finding in findings:
        lines += ["", "[[findings]]"]
        lines += [f"{name} = {toml(value)}" for name, value in finding.items()]
    return "+++\n" + "\n".join(lines) + "\n+++\n" + body


CONDITION = {
    "name": "Lupus",
    "summary": "What lupus is, in one plain sentence.",
    "published": True,
    "order": 1,
    "last_reviewed": datetime.date(2026, 11, 20),
    "next_review_due": datetime.date(2027, 11, 20),
    "reviewed_by": "Clinic medical content team",
}
STUDY = {
    "title": "A multicenter clinical study",
    "authors": ["Wang, Dandan", "Li, Jing", "Sun, Lingyun"],
    "journal": "Arthritis Research & Therapy",
    "year": 2014,
    "published_on": datetime.date(2014, 3, 25),
    "volume": "16",
    "issue": "2",
    "pages": "R79",
    "doi": "10.1186/ar4520",
    "pmid": "24661633",
    "url": "https://arthritis-research.biomedcentral.com/articles/10.1186/ar4520",
    "design": "Single-arm study, no control group",
    "participants": 40,
    "conditions": ["lupus"],
    "published": True,
}
FINDINGS = [
    {"label": "Alive at the end of follow-up", "value": "92.5 %", "count": "37/40"},
    {"label": "Any response", "value": "60 %", "count": "24/40"},
]


class ContentFolder:
    """A content/ folder under tmp_path, written one file at a time."""

    def __init__(self, root):
        self.root = root
        (root / "conditions").mkdir(parents=True)
        (root / "research").mkdir()

    def condition(self, filename="lupus", body="## About\n\nSome text.\n", **fields):
        return self._write("conditions", filename, document({**CONDITION, **fields}, body))

    def study(self, filename="study-one", body="## What was done\n\nText.\n", findings=None, **f):
        findings = FINDINGS if findings is None else findings
        return self._write("research", filename, document({**STUDY, **f}, body, findings))

    def raw(self, kind, filename, content):
        return self._write(kind, filename, content)

    def _write(self, kind, filename, content):
        path = self.root / kind / f"{filename}.md"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def shown(self, path):
        """The file as the loader names it: relative to the folder above content/."""
        return str(path.relative_to(self.root.parent))


@pytest.fixture
def content(tmp_path):
    return ContentFolder(tmp_path / "content")


def load(path=None):
    out = io.StringIO()
    args = [] if path is None else [str(path)]
    call_command("load_content", *args, stdout=out)
    return out.getvalue()


def snapshot():
    """Everything load_content may write, for "nothing changed" checks."""
    return (
        list(Condition.objects.order_by("slug").values()),
        list(Study.objects.order_by("slug").values()),
        list(
            KeyFinding.objects.order_by("study__slug", "order").values(
                "study__slug", "label", "value", "count", "order"
            )
        ),
        sorted(Study.conditions.through.objects.values_list("study__slug", "condition__slug")),
    )


# --- The shipped content -------------------------------------------------------------------------

SHIPPED_STUDIES = {
    "10.1186/ar4520": ("Arthritis Research & Therapy", 2014, "24661633"),
    "10.1016/j.stemcr.2018.01.029": ("Stem Cell Reports", 2018, "29478901"),
    "10.1136/annrheumdis-2017-211073": ("Annals of the Rheumatic Diseases", 2017, "28478399"),
}


def test_shipped_content_loads_one_condition_and_three_studies():
    output = load(settings.CONTENT_DIR)
    assert "Conditions: 1 created, 0 updated, 0 unchanged." in output
    assert "Studies: 3 created, 0 updated, 0 unchanged." in output
    assert list(Condition.objects.values_list("slug", flat=True)) == [SLE]
    sle = Condition.objects.get()
    assert sle.published
    assert "<h2" in sle.body_html and "<script" not in sle.body_html
    assert sle.toc_html.startswith('<ol class="toc-list">')


def test_shipped_studies_have_correct_bibliographic_data():
    load(settings.CONTENT_DIR)
    found = {s.doi: (s.journal, s.year, s.pmid) for s in Study.objects.all()}
    assert found == SHIPPED_STUDIES


def test_each_shipped_study_has_key_findings_and_links_to_sle():
    load(settings.CONTENT_DIR)
    sle = Condition.objects.get(slug=SLE)
    for study in Study.objects.all():
        assert study.published, study.slug
        assert list(study.conditions.all()) == [sle], study.slug
        findings = list(study.findings.all())
        assert findings, study.slug
        for finding in findings:
            assert finding.label and finding.value
            assert finding.fraction is None or 0 <= finding.fraction <= 1
        assert study.summary_html and "<h1" not in study.summary_html
    assert sle.studies.count() == 3


def test_without_a_path_it_loads_the_content_folder():
    output = load()
    assert "Studies: 3 created" in output
    assert Study.objects.filter(doi="10.1016/j.stemcr.2018.01.029").exists()


def test_loading_the_shipped_content_twice_changes_nothing():
    load(settings.CONTENT_DIR)
    before = snapshot()
    output = load(settings.CONTENT_DIR)
    assert "Conditions: 0 created, 0 updated, 1 unchanged." in output
    assert "Studies: 0 created, 0 updated, 3 unchanged." in output
    assert "Updated" not in output
    assert snapshot() == before


# --- Creating and updating -----------------------------------------------------------------------


def test_it_creates_rows_from_files(content):
    content.condition(body="## About\n\nLupus is <script>alert(1)</script>an autoimmune disease.\n")
    content.study()
    output = load(content.root)
    assert "Conditions: 1 created, 0 updated, 0 unchanged." in output
    assert "Studies: 1 created, 0 updated, 0 unchanged." in output

    condition = Condition.objects.get(slug="lupus")
    assert condition.name == "Lupus"
    assert condition.last_reviewed == datetime.date(2026, 11, 20)
    assert condition.body.startswith("## About")
    assert '<h2 id="about">About</h2>' in condition.body_html
    assert "<script" not in condition.body_html and "alert" not in condition.body_html

    study = Study.objects.get(slug="study-one")
    assert study.authors == "Wang, Dandan\nLi, Jing\nSun, Lingyun"
    assert study.short_authors == "Wang D, Li J, Sun L"
    assert list(study.conditions.all()) == [condition]
    assert [(f.label, f.value, f.count, f.order) for f in study.findings.all()] == [
        ("Alive at the end of follow-up", "92.5 %", "37/40", 0),
        ("Any response", "60 %", "24/40", 1),
    ]
    assert '<h3 id="what-was-done">' in study.summary_html


def test_the_slug_defaults_to_the_file_name(content):
    content.condition(filename="rheumatoid-arthritis", name="Rheumatoid arthritis")
    load(content.root)
    assert Condition.objects.get().slug == "rheumatoid-arthritis"


def test_a_slug_in_the_front_matter_wins_over_the_file_name(content):
    content.condition(filename="whatever", slug="lupus")
    load(content.root)
    assert Condition.objects.get().slug == "lupus"


def test_numbers_are_accepted_for_text_fields(content):
    content.condition()
    content.study(volume=16, issue=2)
    load(content.root)
    study = Study.objects.get()
    assert (study.volume, study.issue) == ("16", "2")


def test_optional_fields_may_be_left_out(content):
    content.condition()
    content.study(url=None, published_on=None, issue=None, conditions=None, findings=[])
    load(content.root)
    study = Study.objects.get()
    assert (study.url, study.published_on, study.issue) == ("", None, "")
    assert study.findings.count() == 0 and study.conditions.count() == 0


def test_files_with_windows_line_endings_load(content):
    text = document(CONDITION, "## About\n\nText.\n").replace("\n", "\r\n")
    content.raw("conditions", "lupus", text.encode())
    load(content.root)
    condition = Condition.objects.get()
    assert condition.name == "Lupus"
    assert "\r" not in condition.body


def test_a_folder_with_only_conditions_loads(content):
    content.condition()
    (content.root / "research").rmdir()
    output = load(content.root)
    assert "Conditions: 1 created" in output
    assert "Studies: 0 created, 0 updated, 0 unchanged." in output


def test_a_study_may_refer_to_a_condition_already_in_the_database(content, make_condition):
    existing = make_condition(slug="lupus")
    content.study()
    load(content.root)
    assert list(Study.objects.get().conditions.all()) == [existing]


def test_a_second_run_reports_everything_unchanged(content):
    content.condition()
    content.study()
    load(content.root)
    before = snapshot()
    output = load(content.root)
    assert "Conditions: 0 created, 0 updated, 1 unchanged." in output
    assert "Studies: 0 created, 0 updated, 1 unchanged." in output
    assert snapshot() == before


def test_it_counts_created_updated_and_unchanged_separately(content):
    content.condition(filename="lupus")
    content.condition(filename="scleroderma", name="Scleroderma")
    load(content.root)
    content.condition(filename="scleroderma", name="Systemic sclerosis")
    content.condition(filename="vasculitis", name="Vasculitis")
    output = load(content.root)
    assert "Conditions: 1 created, 1 updated, 1 unchanged." in output
    assert "Updated condition scleroderma: its file changed since it was last loaded." in output
    assert Condition.objects.get(slug="scleroderma").name == "Systemic sclerosis"


def test_an_admin_edit_stays_while_the_file_is_unchanged(content):
    content.condition()
    content.study()
    load(content.root)
    condition = Condition.objects.get()
    condition.summary = "Edited in admin."
    condition.save()
    study = Study.objects.get()
    study.title = "Title edited in admin"
    study.save()
    study.findings.filter(order=0).update(value="93 %")

    output = load(content.root)

    assert "0 updated, 1 unchanged" in output
    assert "Updated" not in output
    assert Condition.objects.get().summary == "Edited in admin."
    assert Study.objects.get().title == "Title edited in admin"
    assert Study.objects.get().findings.get(order=0).value == "93 %"


def test_a_changed_file_overwrites_the_admin_edit_and_says_so(content):
    content.condition()
    content.study()
    load(content.root)
    Condition.objects.update(summary="Edited in admin.")
    Study.objects.update(title="Title edited in admin")

    content.condition(body="## About\n\nRewritten text.\n")
    content.study(participants=41)
    output = load(content.root)

    assert "Updated condition lupus: its file changed since it was last loaded." in output
    assert "Updated study study-one: its file changed since it was last loaded." in output
    assert "Conditions: 0 created, 1 updated, 0 unchanged." in output
    assert "Studies: 0 created, 1 updated, 0 unchanged." in output
    condition = Condition.objects.get()
    assert condition.summary == CONDITION["summary"]
    assert "Rewritten text." in condition.body_html
    study = Study.objects.get()
    assert (study.title, study.participants) == (STUDY["title"], 41)


def test_an_updated_study_gets_the_files_findings_and_conditions_exactly(content, make_condition):
    other = make_condition(slug="scleroderma")
    content.condition()
    content.study()
    load(content.root)
    study = Study.objects.get()
    study.conditions.add(other)
    KeyFinding.objects.create(study=study, label="Added in admin", value="1 %", order=9)

    content.study(
        conditions=["scleroderma"],
        findings=[{"label": "Only finding", "value": "84 %", "count": "68/81"}],
        url=None,
    )
    load(content.root)

    study = Study.objects.get()
    assert [c.slug for c in study.conditions.all()] == ["scleroderma"]
    assert [(f.label, f.count) for f in study.findings.all()] == [("Only finding", "68/81")]
    assert study.url == ""
    assert KeyFinding.objects.count() == 1


def test_a_row_created_in_admin_is_taken_over_by_a_file_with_its_slug(content, make_condition):
    make_condition(slug="lupus", name="Typed in admin")
    content.condition()
    output = load(content.root)
    assert "Conditions: 0 created, 1 updated, 0 unchanged." in output
    assert Condition.objects.get().name == "Lupus"


def test_a_failure_while_writing_rolls_back_everything(content, monkeypatch):
    content.condition()
    content.study()

    def broken_bulk_create(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(KeyFinding.objects, "bulk_create", broken_bulk_create)
    with pytest.raises(RuntimeError):
        load(content.root)
    assert Condition.objects.count() == 0 and Study.objects.count() == 0


# --- Bad input: an error naming the file and the field, and nothing changed ----------------------


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


def test_errors_name_the_file_relative_to_the_folder_above_content(content):
    content.condition(published="yes")
    with pytest.raises(CommandError) as error:
        load(content.root)
    assert str(error.value).startswith(
        "content/conditions/lupus.md: field 'published': must be true or false"
    )


def test_the_error_message_reads_as_whole_sentences(content):
    content.condition(published="yes")
    with pytest.raises(CommandError) as error:
        load(content.root)
    assert str(error.value).endswith("must be true or false. Nothing was loaded.")
