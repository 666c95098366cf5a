"""Markup a patient types is stored as text and shown escaped on every page: the thanks page,
the form shown again, and admin (SPEC §8, §9). In the emails: test_email_content."""

import pytest

from inquiries.models import Inquiry
from tests.inquiries.support import assert_nothing_saved

SCRIPT = "<script>alert(1)</script>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG = '"><img src=x onerror=alert(1)>'
IMG_ESCAPED = "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
IMG_RAW = "<img src=x onerror=alert(1)>"


pytestmark = pytest.mark.usefixtures("no_spam_checks")


@pytest.fixture
def hostile_inquiry(valid_post, submit, client):
    """An inquiry with markup in every free-text field, and the thanks page it led to."""
    response = submit(
        valid_post(
            name=f"{SCRIPT}{IMG}",
            country=IMG,
            message=f"Hello {SCRIPT} and {IMG}",
            email=f'"{SCRIPT}"@example.com',
        )
    )
    assert response.status_code == 303
    return Inquiry.objects.get(), client.get("/inquire/thanks/")


def test_markup_is_accepted_as_text(hostile_inquiry):
    inquiry, _ = hostile_inquiry

    assert inquiry.name == f"{SCRIPT}{IMG}"
    assert inquiry.country == IMG
    assert inquiry.message == f"Hello {SCRIPT} and {IMG}"
    assert inquiry.email == f'"{SCRIPT}"@example.com'
    assert inquiry.status == Inquiry.Status.NEW


def test_thanks_page_shows_none_of_the_markup(hostile_inquiry):
    inquiry, thanks = hostile_inquiry

    body = thanks.content.decode()
    assert inquiry.reference in body
    for text in (SCRIPT, SCRIPT_ESCAPED, IMG_RAW, IMG_ESCAPED, "alert(1)"):
        assert text not in body


def test_admin_shows_the_markup_escaped(hostile_inquiry, staff_client):
    inquiry, _ = hostile_inquiry

    change = staff_client.get(f"/admin/inquiries/inquiry/{inquiry.pk}/change/")
    listing = staff_client.get("/admin/inquiries/inquiry/")
    search = staff_client.get("/admin/inquiries/inquiry/", {"q": SCRIPT})

    for response in (change, listing, search):
        assert response.status_code == 200
        body = response.content.decode()
        assert SCRIPT not in body
        assert IMG_RAW not in body
    for response in (change, listing):
        body = response.content.decode()
        assert SCRIPT_ESCAPED in body
        assert IMG_ESCAPED in body


@pytest.mark.parametrize("payload", [SCRIPT, IMG], ids=["script", "img"])
@pytest.mark.parametrize(
    "field", ["name", "country", "message", "phone", "email", "condition", "contact_preference"]
)
def test_form_shown_again_escapes_what_was_typed(valid_post, submit, field, payload):
    # An unticked consent sends the form back with this field filled in.
    response = submit(valid_post(**{field: payload + " padding text"}, consent=None))

    assert response.status_code == 200
    body = response.content.decode()
    assert SCRIPT not in body
    assert IMG_RAW not in body
    assert_nothing_saved()
