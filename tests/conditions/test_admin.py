"""Editing condition pages in Django admin (SPEC §5)."""

import datetime
import re

import pytest
from django.utils import timezone

from conditions.models import Condition

CHANGELIST = "/admin/conditions/condition/"
# Plain sentences, long enough for a reading level.
PLAIN_BODY = """\
## What is lupus?

Lupus is an illness of the immune system. The immune system fights germs. In lupus it attacks the
body by mistake. This can hurt the skin, the joints and the kidneys. Many people feel very tired.
Most people with lupus take medicine every day. **Your doctor** can help you find the right one.
"""


def change_url(condition):
    return f"{CHANGELIST}{condition.pk}/change/"


def changelist_row(response, name):
    [row] = [
        row
        for row in re.findall(r"<tr\b.*?</tr>", response.content.decode(), re.DOTALL)
        if f">{name}<" in row
    ]
    return row


def test_a_superuser_can_open_the_list_of_conditions(superuser_client, make_condition):
    make_condition(name="Systemic lupus erythematosus (SLE)")
    make_condition(name="Draft condition", published=False)

    response = superuser_client.get(CHANGELIST)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Systemic lupus erythematosus (SLE)" in html
    assert "Draft condition" in html


def test_a_superuser_can_open_a_conditions_change_form(superuser_client, make_condition):
    condition = make_condition(name="Systemic lupus erythematosus (SLE)", body=PLAIN_BODY)

    response = superuser_client.get(change_url(condition))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="body"' in html
    assert "## What is lupus?" in html, "the Markdown source is there to edit"


def test_the_change_form_shows_a_rendered_preview_of_the_saved_body(
    superuser_client, make_condition
):
    condition = make_condition(body=PLAIN_BODY)

    html = superuser_client.get(change_url(condition)).content.decode()

    preview = html[html.index('<div class="content-preview">') :]
    assert '<h2 id="what-is-lupus">What is lupus?</h2>' in preview
    assert "<strong>Your doctor</strong>" in preview


def test_the_preview_is_sanitised_like_the_page(superuser_client, make_condition):
    condition = make_condition(body="## Section\n\n<script>alert('admin')</script>\n\nSafe text.")

    html = superuser_client.get(change_url(condition)).content.decode()

    assert "<script>alert" not in html
    assert "Safe text." in html[html.index('<div class="content-preview">') :]


def test_the_change_form_shows_the_reading_level(superuser_client, make_condition):
    condition = make_condition(body=PLAIN_BODY)

    html = superuser_client.get(change_url(condition)).content.decode()

    grade = float(re.search(r"Grade (\d+(?:\.\d+)?)", html)[1])
    assert 0 <= grade <= 9, "these short plain sentences are easy reading"
    assert "grade 8" in html


def test_an_overdue_review_stands_out_in_the_list(superuser_client, make_condition):
    today = timezone.localdate()
    make_condition(
        name="Overdue condition",
        last_reviewed=today - datetime.timedelta(days=400),
        next_review_due=today - datetime.timedelta(days=1),
    )
    make_condition(
        name="Current condition",
        last_reviewed=today - datetime.timedelta(days=10),
        next_review_due=today + datetime.timedelta(days=355),
    )

    response = superuser_client.get(CHANGELIST)

    assert "overdue" in changelist_row(response, "Overdue condition")
    assert "overdue" not in changelist_row(response, "Current condition")


def test_a_review_due_today_is_not_yet_overdue(superuser_client, make_condition):
    today = timezone.localdate()
    make_condition(
        name="Due today",
        last_reviewed=today - datetime.timedelta(days=365),
        next_review_due=today,
    )

    assert "overdue" not in changelist_row(superuser_client.get(CHANGELIST), "Due today")


def test_saving_in_admin_renders_the_body_again(superuser_client, client, make_condition):
    condition = make_condition(name="Lupus", slug="lupus", body="## Old section\n\nOld words.")

    response = superuser_client.post(
        change_url(condition),
        {
            "name": "Lupus",
            "slug": "lupus",
            "summary": "What lupus is.",
            "published": "on",
            "order": "0",
            "last_reviewed": "2026-11-20",
            "next_review_due": "2027-11-20",
            "reviewed_by": "Clinic medical content team",
            "body": "## New section\n\nFresh **words**.\n\n<script>alert(1)</script>",
        },
    )

    assert response.status_code == 302
    condition.refresh_from_db()
    assert '<h2 id="new-section">New section</h2>' in condition.body_html
    assert "<strong>words</strong>" in condition.body_html
    assert "Old words" not in condition.body_html
    assert "<script" not in condition.body_html
    page = client.get("/conditions/lupus/").content.decode()
    assert "<strong>words</strong>" in page
    assert "Old words" not in page


def test_admin_rejects_a_next_review_before_the_last_one(superuser_client, make_condition):
    condition = make_condition(name="Lupus", slug="lupus")

    response = superuser_client.post(
        change_url(condition),
        {
            "name": "Lupus",
            "slug": "lupus",
            "summary": "What lupus is.",
            "order": "0",
            "last_reviewed": "2026-11-20",
            "next_review_due": "2026-01-01",
            "reviewed_by": "Clinic medical content team",
            "body": "Text.",
        },
    )

    assert response.status_code == 200
    assert "The next review must come after the last one." in response.content.decode()
    assert Condition.objects.get(pk=condition.pk).next_review_due == datetime.date(2027, 11, 1)


@pytest.mark.parametrize("path", ["", "{pk}/change/", "add/"])
def test_anonymous_visitors_are_sent_to_the_admin_login(client, make_condition, path):
    condition = make_condition()
    url = CHANGELIST + path.format(pk=condition.pk)

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"] == f"/admin/login/?next={url}"
