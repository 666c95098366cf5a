"""The privacy notice tells a patient everything the site stores about them (SPEC §4, §14)."""

import pytest

from inquiries.models import Inquiry
from tests.pages import find_all, parse

# The notice is a kept page: it reads the content version from the cache, which may be the database.
pytestmark = pytest.mark.django_db

# Words in the notice that name each thing stored with an inquiry. Derived from the model below, so
# a new field or related record fails the first test until the notice names it and it is added here.
NAMED_IN_THE_NOTICE = {
    "reference": "reference number",
    "created_at": "the time you sent it",
    "name": "your name",
    "email": "your email address",
    "phone": "phone number",
    "phone_digits": "phone number",  # the same number, its digits only, to recognise it
    "country": "your country",
    "condition": "the condition you ask about",
    "message": "your message",
    "language": "the language of the form you sent",
    "contact_preference": "by email or by phone",
    "consent_at": "the time you agreed to this notice",
    "consent_version": "version of the consent wording",
    "source_page": "the page of our website you sent the form from",
    "referrer": "referring page",
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
    "ip_hash": "salted hash of your internet (IP) address",
    "form_nonce": "random code given to the form",
    "spam_reason": "for spam, the reason",
    "status": "its status",
    "status_changed_at": "when it changed",
    "first_contacted_at": "when we first contacted you",
    "assigned_to": "which staff member is looking after it",
    "erased_at": "when your details were erased",
    "erased_by": "who erased them",
    "notes": "the notes they write",
    "status_changes": "history of the changes",
    "accesses": "every time a staff member opens, exports or erases it",
    "deliveries": "each email we send about it",
    "replies": "the replies our staff send you",
}


def stored_with_an_inquiry():
    return {field.name for field in Inquiry._meta.get_fields()} - {Inquiry._meta.pk.name}


def notice_text(client):
    response = client.get("/privacy/")
    assert response.status_code == 200
    [main] = find_all(parse(response), "main")
    return main.text


def test_the_notice_says_what_is_collected_why_for_how_long_and_the_patients_rights(client):
    headings = [h2.text for h2 in find_all(parse(client.get("/privacy/")), "h2")]

    assert headings == [
        "What we collect",
        "Why we collect it",
        "How long we keep it",
        "Your rights: a copy, a correction or deletion",
    ]


def test_every_field_and_record_of_an_inquiry_has_its_words_in_the_notice():
    assert stored_with_an_inquiry() == set(NAMED_IN_THE_NOTICE)


@pytest.mark.parametrize(("stored", "words"), sorted(NAMED_IN_THE_NOTICE.items()))
def test_the_notice_names_what_is_stored(client, stored, words):
    assert words in notice_text(client)


def test_the_notice_says_the_internet_address_itself_is_not_stored(client):
    assert "we never store the address" in notice_text(client)


def test_the_notice_gives_the_retention_period_the_site_is_configured_with(client, settings):
    assert "for 730 days (about 2 years)" in notice_text(client)

    settings.INQUIRY_RETENTION_DAYS = 90
    text = notice_text(client)
    assert "for 90 days," in text
    assert "730" not in text
    assert "year" not in text.split("How long we keep it")[1].split("Your rights")[0]


def test_the_notice_says_how_to_ask_for_a_copy_or_deletion(client):
    text = notice_text(client)

    assert "ask us at any time for a copy of the details we hold about you" in text
    assert "or to delete them" in text
    assert "Reply to any email we sent you" in text
