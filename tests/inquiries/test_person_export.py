"""A patient's right to a copy of their data: the admin action `export_person_data` (SPEC §13)."""

import json

from django.utils import timezone

from inquiries.models import InquiryAccess, InquiryNote
from tests.inquiries.admin import reply_url, run_action


def export(client, *inquiries):
    response = run_action(client, "export_person_data", *inquiries)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="person-data-')
    return json.loads(response.content)


def test_the_export_holds_everything_stored_about_the_person(
    coordinator_client, coordinator, make_inquiry, mailoutbox
):
    ana = {"name": "Ana García", "email": "ana@example.com", "phone": "+34 600 123 456"}
    first = make_inquiry(**ana, utm_source="news", language="es")
    later = make_inquiry(name="Ana G.", email="other@example.com", phone="600 123 456")
    same_email = make_inquiry(name="Ana", email="ANA@example.com")
    stranger = make_inquiry(name="Bob Stranger", email="bob@example.com")
    InquiryNote.objects.create(inquiry=first, author=coordinator, text="Called back on Monday.")
    first.change_status("scheduled", coordinator)
    coordinator_client.post(
        reply_url(later), {"subject": "Hello", "body": "Dear Ana, thank you.", "step": "send"}
    )

    data = export(coordinator_client, first)

    by_reference = {item["reference"]: item for item in data["inquiries"]}
    assert set(by_reference) == {first.reference, later.reference, same_email.reference}
    assert stranger.reference not in json.dumps(data)
    item = by_reference[first.reference]
    assert {name: item[name] for name in ana} == ana
    assert item["message"] == first.message
    assert item["utm_source"] == "news"
    assert item["language"] == "es"
    assert item["consent"]["text_version"] == "2026-11"
    assert item["consent"]["given_at"].startswith(str(timezone.localdate(first.consent_at).year))
    assert [(c["from"], c["to"], c["by"]) for c in item["status_history"]] == [
        ("new", "scheduled", "coordinator")
    ]
    assert item["staff_notes"][0]["text"] == "Called back on Monday."
    [reply] = by_reference[later.reference]["replies"]
    assert (reply["subject"], reply["body"], reply["by"]) == (
        "Hello",
        "Dear Ana, thank you.",
        "coordinator",
    )
    assert reply["delivery"] == "sent"


def test_the_export_is_logged_for_every_inquiry_it_holds(
    coordinator_client, coordinator, make_inquiry
):
    first = make_inquiry(email="ana@example.com")
    second = make_inquiry(email="ana@example.com")

    export(coordinator_client, first)

    logged = InquiryAccess.objects.filter(action="exported", user=coordinator)
    assert sorted(logged.values_list("inquiry_id", flat=True)) == sorted([first.pk, second.pk])


def test_people_without_access_to_inquiries_cannot_export(client, content_editor, make_inquiry):
    inquiry = make_inquiry()
    client.force_login(content_editor)
    assert run_action(client, "export_person_data", inquiry).status_code == 403
    assert not InquiryAccess.objects.exists()


def test_the_privacy_notice_says_how_to_ask_for_a_copy(client, db):
    page = client.get("/privacy/").content.decode()
    assert "a copy of the details we hold about you" in page
    assert "one file you can keep" in page
