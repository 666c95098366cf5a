"""Editing condition pages in Django admin (SPEC §5)."""

import datetime
import re

from django.utils import timezone

from conditions.models import Condition
from tests.pages import admin_readonly, admin_rows, form_data

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


def test_the_change_form_shows_the_source_a_rendered_preview_and_the_reading_level(
    superuser_client, make_condition
):
    condition = make_condition(name="Systemic lupus erythematosus (SLE)", body=PLAIN_BODY)

    response = superuser_client.get(change_url(condition))

    assert form_data(response, "condition_form")["body"] == [PLAIN_BODY]
    preview = admin_readonly(response, "preview")
    assert preview.find("h2", id="what-is-lupus").text == "What is lupus?"
    assert preview.find("strong").text == "Your doctor"
    level = admin_readonly(response, "reading_level").text
    # These short plain sentences are easy reading.
    assert 0 <= float(re.search(r"Grade (\d+(?:\.\d+)?)", level)[1]) <= 9
    assert "grade 8" in level


def test_the_preview_is_sanitised_like_the_page(superuser_client, make_condition):
    condition = make_condition(body="## Section\n\n<script>alert('admin')</script>\n\nSafe text.")

    response = superuser_client.get(change_url(condition))

    preview = admin_readonly(response, "preview")
    assert preview.find_all("script") == []
    assert "Safe text." in preview.text


def test_the_list_shows_drafts_too_and_overdue_reviews_stand_out(superuser_client, make_condition):
    today = timezone.localdate()
    for name, days in [("Overdue", -1), ("Due today", 0), ("Current", 355)]:
        make_condition(name=name, next_review_due=today + datetime.timedelta(days=days))
    make_condition(name="Draft", published=False, next_review_due=today)

    rows = admin_rows(superuser_client.get(CHANGELIST))

    overdue = {row["name"]: "overdue" in row["review_due"] for row in rows}
    assert overdue == {"Overdue": True, "Due today": False, "Current": False, "Draft": False}


def edited(client, condition, **changes):
    """The change form as a browser posts it back, with `changes` made."""
    data = form_data(client.get(change_url(condition)), "condition_form")
    return client.post(change_url(condition), {**data, **changes})


def test_saving_in_admin_renders_the_body_again(superuser_client, client, make_condition):
    condition = make_condition(name="Lupus", slug="lupus", body="## Old section\n\nOld words.")

    response = edited(
        superuser_client,
        condition,
        body="## New section\n\nFresh **words**.\n\n<script>alert(1)</script>",
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

    response = edited(
        superuser_client, condition, last_reviewed="2026-11-20", next_review_due="2026-01-01"
    )

    assert response.status_code == 200
    assert "The next review must come after the last one." in response.content.decode()
    assert Condition.objects.get(pk=condition.pk).next_review_due == datetime.date(2027, 11, 1)
