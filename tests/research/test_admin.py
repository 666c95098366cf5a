"""Editing study summaries in Django admin (SPEC §6)."""

import re

import pytest

from research.models import KeyFinding, Study

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


def test_a_superuser_can_open_the_list_of_studies(superuser_client, make_study):
    make_study(title="A long-term follow-up study")
    make_study(title="A draft study", published=False)

    response = superuser_client.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "A long-term follow-up study" in html
    assert "A draft study" in html


def test_a_superuser_can_open_a_studys_change_form(superuser_client, make_study):
    study = make_study(
        title="A long-term follow-up study",
        summary=PLAIN_SUMMARY,
        findings=[("Alive after 5 years", "84 %", "68/81")],
    )

    response = superuser_client.get(change_url(study))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="summary"' in html
    assert "## What was done" in html, "the Markdown source is there to edit"
    assert 'value="Alive after 5 years"' in html, "key findings are edited inline"


def test_the_change_form_shows_a_rendered_preview_of_the_saved_summary(
    superuser_client, make_study
):
    study = make_study(summary=PLAIN_SUMMARY)

    html = superuser_client.get(change_url(study)).content.decode()

    preview = html[html.index('<div class="content-preview">') :]
    assert '<h3 id="what-was-done">What was done</h3>' in preview
    assert "<strong>the cells</strong>" in preview


def test_the_change_form_shows_the_reading_level(superuser_client, make_study):
    study = make_study(summary=PLAIN_SUMMARY)

    html = superuser_client.get(change_url(study)).content.decode()

    grade = float(re.search(r"Grade (\d+(?:\.\d+)?)", html)[1])
    assert 0 <= grade <= 9, "these short plain sentences are easy reading"


def form_data(study, **changes):
    data = {
        "title": study.title,
        "slug": study.slug,
        "published": "on",
        "conditions": [c.pk for c in study.conditions.all()],
        "authors": study.authors,
        "journal": study.journal,
        "year": str(study.year),
        "published_on": "",
        "volume": study.volume,
        "issue": study.issue,
        "pages": study.pages,
        "doi": study.doi,
        "pmid": study.pmid,
        "url": "",
        "registration": "",
        "design": study.design,
        "participants": str(study.participants),
        "abstract": "",
        "summary": study.summary,
        "findings-TOTAL_FORMS": "0",
        "findings-INITIAL_FORMS": "0",
        "findings-MIN_NUM_FORMS": "0",
        "findings-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_saving_in_admin_renders_the_summary_again(superuser_client, client, make_study):
    study = make_study(slug="follow-up", summary="## Old heading\n\nOld words.")

    response = superuser_client.post(
        change_url(study),
        form_data(
            study,
            summary="## New heading\n\nFresh **words**.\n\n<script>alert(1)</script>",
            **{
                "findings-TOTAL_FORMS": "1",
                "findings-0-order": "0",
                "findings-0-label": "Alive after 5 years",
                "findings-0-value": "84 %",
                "findings-0-count": "68/81",
            },
        ),
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

    response = superuser_client.post(
        change_url(study),
        form_data(
            study,
            **{
                "findings-TOTAL_FORMS": "1",
                "findings-0-order": "0",
                "findings-0-label": "Alive after 5 years",
                "findings-0-value": "84 %",
                "findings-0-count": "68 of 81",
            },
        ),
    )

    assert response.status_code == 200
    assert "Write the count as two numbers" in response.content.decode()
    assert not KeyFinding.objects.filter(study=study).exists()


def test_admin_rejects_an_author_without_a_comma(superuser_client, make_study):
    study = make_study(slug="follow-up")

    response = superuser_client.post(
        change_url(study), form_data(study, authors="Wang, Dandan\nJing Li")
    )

    assert response.status_code == 200
    assert "family name, comma, given names" in response.content.decode()
    assert Study.objects.get(pk=study.pk).authors == study.authors


@pytest.mark.parametrize("path", ["", "{pk}/change/", "add/"])
def test_anonymous_visitors_are_sent_to_the_admin_login(client, make_study, path):
    study = make_study()
    url = CHANGELIST + path.format(pk=study.pk)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={url}"
