"""What the two inquiry emails say, read from Django's test mailbox (SPEC §8, Email): their
recipients, subjects, bodies and headers, and that no header carries the patient's words."""

import re

import pytest

from inquiries.emails import BUILDERS
from inquiries.models import EmailDelivery, Inquiry

REFERENCE = re.compile(r"^INQ-[34679ACDEFGHJKMNPQRTUVWXY]{6}$")
STAFF = ["coordinators@clinic.example", "nurse@clinic.example"]
PATIENT = {
    "name": "Zephyrine Quillfeather",
    "email": "zq.patient@example.org",
    "phone": "+44 20 7946 0123",
    "country": "Ruritania",
    "message": "My kidneys are affected since 2019; what does the Wombleton protocol involve?",
}
PATIENT_WORDS = ("Zephyrine", "Quillfeather", "Ruritania", "kidneys", "Wombleton", "7946")
SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# Markup in every free-text field, the address included.
HOSTILE = {
    "name": f"Eve {SCRIPT}{IMG}",
    "email": f'"{SCRIPT}"@example.com',
    "country": "<b>Nowhere</b>",
    "message": f"Hello there {SCRIPT} and {IMG} & more text",
}
HOSTILE_WORDS = ("Eve", "alert(1)", "onerror", "Nowhere", "Hello")


@pytest.fixture
def staff_addresses():
    return STAFF


@pytest.fixture(autouse=True)
def email_settings(notify_settings):
    notify_settings.INQUIRY_EMAIL_INCLUDE_DETAILS = True


def by_kind(outbox, inquiry):
    staff = [m for m in outbox if m.extra_headers["Message-ID"].endswith(".staff@clinic.example>")]
    acks = [m for m in outbox if m not in staff]
    assert len(staff) == 1, [m.subject for m in outbox]
    assert len(acks) == 1, [m.subject for m in outbox]
    return staff[0], acks[0]


def html_of(message):
    [(content, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return content


def all_headers(message):
    """Every header of the message as it goes out on the wire."""
    return "\n".join(f"{name}: {value}" for name, value in message.message().items())


def admin_link(inquiry):
    return f"https://clinic.example/admin/inquiries/inquiry/{inquiry.pk}/change/"


def test_a_new_inquiry_sends_one_staff_email_and_one_acknowledgement(submit_inquiry, mailoutbox):
    inquiry = submit_inquiry(**PATIENT)

    assert REFERENCE.match(inquiry.reference)
    assert len(mailoutbox) == 2
    staff, ack = by_kind(mailoutbox, inquiry)
    assert staff.to == STAFF
    assert staff.cc == [] and staff.bcc == []
    assert ack.to == [PATIENT["email"]]
    assert sorted(inquiry.deliveries.values_list("kind", "state")) == [
        ("acknowledgement", "sent"),
        ("staff", "sent"),
    ]


@pytest.mark.parametrize(
    ("condition", "staff_subject"),
    [
        ("sle-test", "New inquiry {} — Systemic Lupus Erythematosus"),
        ("other", "New inquiry {} — Other / not sure"),
    ],
)
def test_subjects_name_the_reference_and_the_condition_only(
    submit_inquiry, mailoutbox, condition, staff_subject
):
    inquiry = submit_inquiry(condition=condition, **PATIENT)

    staff, ack = by_kind(mailoutbox, inquiry)
    assert staff.subject == staff_subject.format(inquiry.reference)
    assert ack.subject == f"We have your request ({inquiry.reference})"


def test_staff_email_replies_to_patient(submit_inquiry, mailoutbox):
    inquiry = submit_inquiry(**PATIENT)

    staff, _ = by_kind(mailoutbox, inquiry)
    assert staff.reply_to == [PATIENT["email"]]
    assert staff.message()["Reply-To"] == PATIENT["email"]


@pytest.mark.parametrize(
    ("patient", "words"),
    [(PATIENT, PATIENT_WORDS), (HOSTILE, HOSTILE_WORDS)],
    ids=["plain", "markup"],
)
def test_no_header_of_either_email_holds_the_patients_words(
    submit_inquiry, mailoutbox, patient, words
):
    inquiry = submit_inquiry(**patient)

    staff, ack = by_kind(mailoutbox, inquiry)
    for message in (staff, ack):
        headers = message.message()
        for name, value in headers.items():
            if name in {"To", "Reply-To"} and patient["email"] in value:
                # Only the bare address, never with a display name.
                assert value == patient["email"], (name, value)
                continue
            for word in words:
                assert word not in value, (name, value)
        assert headers["Message-ID"].startswith(f"<{inquiry.reference}.")
    assert staff.message()["Reply-To"] == patient["email"]
    assert ack.message()["To"] == patient["email"]


def test_staff_email_body_has_the_fields_and_an_admin_link(submit_inquiry, mailoutbox):
    inquiry = submit_inquiry(**PATIENT)

    staff, _ = by_kind(mailoutbox, inquiry)
    for body in (staff.body, html_of(staff)):
        assert inquiry.reference in body
        for value in PATIENT.values():
            assert value in body, value
        assert "Systemic Lupus Erythematosus" in body
        assert admin_link(inquiry) in body
    assert f'href="{admin_link(inquiry)}"' in html_of(staff)


def test_admin_link_follows_site_url(submit_inquiry, mailoutbox, settings):
    settings.SITE_URL = "https://intake.other-clinic.example"
    inquiry = submit_inquiry(**PATIENT)

    staff = next(m for m in mailoutbox if m.to == STAFF)
    link = f"https://intake.other-clinic.example/admin/inquiries/inquiry/{inquiry.pk}/change/"
    assert link in staff.body
    assert link in html_of(staff)
    assert "clinic.example/admin" not in staff.body.replace("other-clinic.example", "")


def test_without_details_the_staff_email_has_only_the_reference_and_admin_link(
    submit_inquiry, mailoutbox, settings
):
    settings.INQUIRY_EMAIL_INCLUDE_DETAILS = False
    inquiry = submit_inquiry(**PATIENT)

    staff, _ = by_kind(mailoutbox, inquiry)
    for body in (staff.body, html_of(staff)):
        assert inquiry.reference in body
        assert admin_link(inquiry) in body
        for value in (*PATIENT.values(), *PATIENT_WORDS, "zq.patient"):
            assert value not in body, value
    assert f'href="{admin_link(inquiry)}"' in html_of(staff)
    # Nothing in the headers ties the patient to a condition either.
    assert staff.subject == f"New inquiry {inquiry.reference}"
    assert staff.reply_to == []
    assert PATIENT["email"] not in all_headers(staff)


def test_acknowledgement_has_reference_and_next_steps_but_no_copy_of_the_message(
    submit_inquiry, mailoutbox
):
    inquiry = submit_inquiry(**PATIENT)

    _, ack = by_kind(mailoutbox, inquiry)
    for body in (ack.body, html_of(ack)):
        assert inquiry.reference in body
        assert "What happens next" in body
        assert "contacts you by email" in body
        for words in ("kidneys", "Wombleton", PATIENT["message"], "Ruritania", "7946"):
            assert words not in body, words


def test_acknowledgement_says_we_will_phone_when_the_patient_asked_for_it(
    submit_inquiry, mailoutbox
):
    inquiry = submit_inquiry(contact_preference="phone", **PATIENT)

    _, ack = by_kind(mailoutbox, inquiry)
    assert "contacts you by phone" in ack.body
    assert "contacts you by phone" in html_of(ack)


def test_both_emails_have_a_stable_message_id(submit_inquiry, mailoutbox):
    inquiry = submit_inquiry(**PATIENT)

    staff, ack = by_kind(mailoutbox, inquiry)
    assert staff.message()["Message-ID"] == f"<{inquiry.reference}.staff@clinic.example>"
    assert ack.message()["Message-ID"] == f"<{inquiry.reference}.acknowledgement@clinic.example>"
    # Built again (a retry, a re-send), each email keeps its Message-ID.
    inquiry = Inquiry.objects.get(pk=inquiry.pk)
    for kind, sent in (
        (EmailDelivery.Kind.STAFF, staff),
        (EmailDelivery.Kind.ACKNOWLEDGEMENT, ack),
    ):
        assert BUILDERS[kind](inquiry).message()["Message-ID"] == sent.message()["Message-ID"]


def test_html_parts_escape_markup_the_patient_typed_and_text_parts_show_it_as_typed(
    submit_inquiry, mailoutbox
):
    inquiry = submit_inquiry(**HOSTILE)

    staff, ack = by_kind(mailoutbox, inquiry)
    html = html_of(staff)
    for raw in ("<script", "<img", "<b>Nowhere"):
        assert raw not in html
    for escaped in (
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
        "&lt;b&gt;Nowhere&lt;/b&gt;",
        "&amp; more text",
    ):
        assert escaped in html
    # The plain-text part is not HTML: it shows what was typed, as typed.
    for field in ("name", "country", "message"):
        assert HOSTILE[field] in staff.body
    # The acknowledgement repeats nothing the patient wrote.
    for part in (ack.body, html_of(ack)):
        assert "alert(1)" not in part
        assert "onerror" not in part
