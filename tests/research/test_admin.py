"""Editing study summaries in Django admin (SPEC §6)."""

import re

from research.models import KeyFinding, Study
from tests.pages import admin_readonly, admin_rows, form_data

CHANGELIST = "/admin/research/study/"
# Plain sentences, long enough for a reading level.
PLAIN_SUMMARY = """\
## What was done

Doctors gave donor stem cells to 81 people with lupus. Other medicines had not helped them. The
doctors then saw each person for five years. They did not compare them with people who had no
cells. So we cannot tell if **the cells** caused the results. One group of doctors did the work.
"""


def change_url(study):
    return f"{CHANGELIST}{study.pk}/change/"


def test_a_superuser_sees_every_study_in_the_list(superuser_client, make_study):
    make_study(title="A long-term follow-up study")
    make_study(title="A draft study", published=False)

    rows = admin_rows(superuser_client.get(CHANGELIST))

    assert {row["title"] for row in rows} == {"A long-term follow-up study", "A draft study"}


def test_the_change_form_shows_source_findings_preview_and_reading_level(
    superuser_client, make_study
):
    study = make_study(summary=PLAIN_SUMMARY, findings=[("Alive after 5 years", "84 %", "68/81")])

    response = superuser_client.get(change_url(study))

    data = form_data(response, "study_form")
    assert data["summary"] == [PLAIN_SUMMARY]
    assert data["findings-0-label"] == ["Alive after 5 years"], "key findings are edited inline"
    preview = admin_readonly(response, "preview")
    assert preview.find("h3", id="what-was-done").text == "What was done"
    assert preview.find("strong").text == "the cells"
    level = admin_readonly(response, "reading_level").text
    # These short plain sentences are easy reading.
    assert 0 <= float(re.search(r"Grade (\d+(?:\.\d+)?)", level)[1]) <= 9


def edited(client, study, **changes):
    """The change form as a browser posts it back, with `changes` made."""
    data = form_data(client.get(change_url(study)), "study_form")
    return client.post(change_url(study), {**data, **changes})


def finding(count):
    """A key finding typed into the first blank inline form."""
    return {
        "findings-0-order": "0",
        "findings-0-label": "Alive after 5 years",
        "findings-0-value": "84 %",
        "findings-0-count": count,
    }


def test_saving_in_admin_renders_the_summary_again(superuser_client, client, make_study):
    study = make_study(slug="follow-up", summary="## Old heading\n\nOld words.")

    response = edited(
        superuser_client,
        study,
        summary="## New heading\n\nFresh **words**.\n\n<script>alert(1)</script>",
        **finding("68/81"),
    )

    assert response.status_code == 302, response.content.decode()
    study.refresh_from_db()
    assert '<h3 id="new-heading">New heading</h3>' in study.summary_html
    assert "<strong>words</strong>" in study.summary_html
    assert "Old words" not in study.summary_html
    assert "<script" not in study.summary_html
    assert [(f.label, f.count) for f in study.findings.all()] == [("Alive after 5 years", "68/81")]
    page = client.get("/research/follow-up/").content.decode()
    assert "<strong>words</strong>" in page
    assert "68 of 81" in page


def test_admin_rejects_a_finding_whose_count_is_not_two_numbers(superuser_client, make_study):
    study = make_study(slug="follow-up")

    response = edited(superuser_client, study, **finding("68 of 81"))

    assert response.status_code == 200
    assert "Write the count as two numbers" in response.content.decode()
    assert not KeyFinding.objects.filter(study=study).exists()


def test_admin_rejects_an_author_without_a_comma(superuser_client, make_study):
    study = make_study(slug="follow-up")

    response = edited(superuser_client, study, authors="Wang, Dandan\nJing Li")

    assert response.status_code == 200
    assert "family name, comma, given names" in response.content.decode()
    assert Study.objects.get(pk=study.pk).authors == study.authors
