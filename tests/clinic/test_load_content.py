"""`manage.py load_content [PATH]` (SPEC §7, docs/content.md): creates or updates rows from Markdown
files, is idempotent, and keeps admin edits until a file changes. The content the site ships with
is in test_load_content_shipped.py, bad files in test_load_content_errors.py."""

import datetime

import pytest

from conditions.models import Condition
from research.models import KeyFinding, Study
from tests.clinic.content_files import CONDITION, STUDY, document, load, snapshot

pytestmark = pytest.mark.django_db


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
