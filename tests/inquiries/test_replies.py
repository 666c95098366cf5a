"""Coordinators reply to patients from admin (SPEC §13, Reply): written from a template,
previewed, sent through the durable delivery and threaded under the acknowledgement."""

from datetime import timedelta

import pytest
from django.utils import timezone

from inquiries.models import EmailDelivery, Inquiry, Reply, ReplyTemplate, StatusChange
from tests.inquiries.admin import change_url, reply_url, run_action
from tests.pages import Page, admin_readonly, hrefs, page_text

TEMPLATES = "/admin/inquiries/replytemplate/"


def acknowledgement_id(inquiry):
    return f"<{inquiry.reference}.acknowledgement@clinic.example>"


@pytest.fixture(autouse=True)
def reply_settings(notify_settings):
    notify_settings.INQUIRY_REPLY_TO = ["coordinators@clinic.example"]


def send(client, inquiry, step="send", **fields):
    data = {"subject": "About your inquiry", "body": "Dear Ada,\n\nThank you.", "step": step}
    data.update(fields)
    return client.post(reply_url(inquiry), data)


def messages_of(response):
    return [str(message) for message in response.wsgi_request._messages]


def add_template(client, **fields):
    data = {"name": "First answer", "language": "en", "subject": "Your {reference}"}
    data["body"] = "Dear {name}, about {reference}."
    return client.post(f"{TEMPLATES}add/", {**data, **fields})


@pytest.mark.django_db(transaction=True)
def test_a_reply_from_admin_reaches_the_patient_threaded_under_the_acknowledgement(
    submit_inquiry, task_queue, smtp_server, coordinator_client, coordinator
):
    inquiry = submit_inquiry()
    task_queue()
    assert len(smtp_server.received) == 2
    ReplyTemplate.objects.create(
        name="First answer",
        subject="Your request {reference}",
        body="Dear {name},\n\nThank you for writing about {reference}.",
    )
    template = ReplyTemplate.objects.get()

    link = Page(coordinator_client.get(change_url(inquiry))).find("a", href=reply_url(inquiry))
    assert link.text == "Reply to patient"

    form = coordinator_client.get(reply_url(inquiry), {"template": template.pk})
    assert form.status_code == 200
    assert f"Your request {inquiry.reference}" in form.content.decode()
    assert "Dear Ada Lovelace,\n\nThank you for writing about" in form.content.decode()

    subject = f"Your request {inquiry.reference}"
    body = "Dear Ada Lovelace,\n\nWe can see you on Tuesday.\n\nBest wishes"
    preview = send(coordinator_client, inquiry, step="preview", subject=subject, body=body)
    assert preview.status_code == 200
    assert "Send to the patient" in preview.content.decode()
    assert Reply.objects.count() == 0

    sent = send(coordinator_client, inquiry, subject=subject, body=body)
    assert sent.status_code == 302
    assert sent["Location"] == change_url(inquiry)
    task_queue()

    assert len(smtp_server.received) == 3
    [reply_mail] = [r for r in smtp_server.received if r.message["In-Reply-To"]]
    message = reply_mail.message
    assert reply_mail.recipients == ["ada@example.com"]
    assert message["Subject"] == subject
    assert message["In-Reply-To"] == acknowledgement_id(inquiry)
    assert message["References"] == acknowledgement_id(inquiry)
    assert message["Reply-To"] == "coordinators@clinic.example"
    reply = Reply.objects.get()
    assert message["Message-ID"] == f"<{inquiry.reference}.reply-{reply.pk}@clinic.example>"
    assert "We can see you on Tuesday." in message.get_body(("plain",)).get_content()
    assert "We can see you on Tuesday." in message.get_body(("html",)).get_content()
    for header in ("Subject", "Message-ID", "In-Reply-To", "Reply-To"):
        assert "Lovelace" not in message[header]

    assert (reply.author, reply.author_username) == (coordinator, "coordinator")
    assert reply.delivery.state == "sent"
    inquiry.refresh_from_db()
    assert inquiry.status == "contacted"
    assert inquiry.first_contacted_at is not None
    change = StatusChange.objects.get(inquiry=inquiry)
    assert (change.changed_by, change.from_status, change.to_status) == (
        coordinator,
        "new",
        "contacted",
    )

    page = coordinator_client.get(change_url(inquiry))
    assert "We can see you on Tuesday." in admin_readonly(page, "body").text
    assert admin_readonly(page, "author_username").text == "coordinator"
    sent_at = timezone.localtime(reply.delivery.sent_at)
    assert (
        admin_readonly(page, "delivery_state").text
        == f"Sent {sent_at:%d %b %Y %H:%M}, 1 attempt(s)"
    )


@pytest.mark.django_db(transaction=True)
def test_a_reply_during_an_smtp_outage_is_retried_and_sent_once(
    submit_inquiry, task_queue, smtp_server, clock, coordinator_client
):
    inquiry = submit_inquiry()
    task_queue()
    smtp_server.stop()

    assert send(coordinator_client, inquiry).status_code == 302
    task_queue()
    delivery = EmailDelivery.objects.get(kind="reply")
    assert (delivery.state, delivery.attempts) == ("pending", 1)
    assert delivery.last_error
    assert "ada@example.com" not in delivery.last_error

    smtp_server.start()
    clock.move_to(delivery.next_attempt_at)
    task_queue()
    clock.shift(timedelta(days=1))
    task_queue("run_worker")
    task_queue()

    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("sent", 2)
    reply_id = f"<{inquiry.reference}.reply-{delivery.reply.pk}@clinic.example>"
    assert [i for i in smtp_server.message_ids() if ".reply-" in i] == [reply_id]
    assert len(smtp_server.received) == 3


def erase(inquiry):
    inquiry.erase_personal_data(by="privacy officer")


def erase_leaving_its_emails_pending(inquiry):
    # As an erasure made before cancelling existed left it: the worker must check again.
    Inquiry.objects.filter(pk=inquiry.pk).update(erased_at=timezone.now(), email="")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("erasing", [erase, erase_leaving_its_emails_pending])
def test_a_reply_waiting_to_go_out_when_its_inquiry_is_erased_is_never_sent(
    make_inquiry, task_queue, smtp_server, coordinator_client, erasing
):
    inquiry = make_inquiry()
    assert send(coordinator_client, inquiry).status_code == 302
    erasing(inquiry)
    task_queue()

    assert smtp_server.received == []
    assert EmailDelivery.objects.get(kind="reply").state == "cancelled"


def test_erasure_blanks_the_text_of_replies(coordinator_client, make_inquiry, mailoutbox):
    inquiry = make_inquiry()
    assert send(coordinator_client, inquiry, body="Dear Jane, about your lupus").status_code == 302
    assert len(mailoutbox) == 1

    inquiry.erase_personal_data(by="privacy officer")

    reply = Reply.objects.get()
    assert (reply.subject, reply.body) == ("", "")
    page = coordinator_client.get(change_url(inquiry)).content.decode()
    assert "lupus" not in page


def test_only_the_first_reply_marks_a_new_inquiry_contacted(
    coordinator_client, make_inquiry, mailoutbox
):
    inquiry = make_inquiry()
    send(coordinator_client, inquiry)
    send(coordinator_client, inquiry, body="A second answer.")

    assert Reply.objects.filter(inquiry=inquiry).count() == 2
    assert len(mailoutbox) == 2
    assert StatusChange.objects.filter(inquiry=inquiry).count() == 1
    inquiry.refresh_from_db()
    assert inquiry.status == "contacted"


def test_a_reply_keeps_a_later_status(coordinator_client, make_inquiry, mailoutbox):
    inquiry = make_inquiry(status=Inquiry.Status.SCHEDULED)
    send(coordinator_client, inquiry)
    inquiry.refresh_from_db()
    assert inquiry.status == "scheduled"
    assert len(mailoutbox) == 1


def test_the_preview_shows_exactly_what_will_be_sent(coordinator_client, make_inquiry):
    inquiry = make_inquiry()
    response = send(
        coordinator_client, inquiry, step="preview", subject="Hello", body="Line one\nLine <two>"
    )
    page = response.content.decode()
    assert f"Hello ({inquiry.reference})" in page
    assert "Line one\nLine &lt;two&gt;" in page
    assert "jane@example.com" in page
    assert "coordinators@clinic.example" in page
    # The preview carries the text on, so "Send" sends what was shown.
    assert Page(response).find("input", name="body").attrs["value"] == "Line one\nLine <two>"
    assert Reply.objects.count() == 0


@pytest.mark.parametrize(
    "setup, refusal",
    [
        ({"status": Inquiry.Status.SPAM}, "spam"),
        ({"erased": True}, "erased"),
    ],
)
def test_a_reply_to_an_erased_or_spam_inquiry_is_refused(
    coordinator_client, make_inquiry, mailoutbox, setup, refusal
):
    inquiry = make_inquiry(**{k: v for k, v in setup.items() if k != "erased"})
    if setup.get("erased"):
        inquiry.erase_personal_data(by="privacy officer")

    for response in (coordinator_client.get(reply_url(inquiry)), send(coordinator_client, inquiry)):
        assert response.status_code == 302
        assert response["Location"] == change_url(inquiry)
        assert any(refusal in message for message in messages_of(response))
    assert Reply.objects.count() == 0
    assert mailoutbox == []
    assert reply_url(inquiry) not in hrefs(coordinator_client.get(change_url(inquiry)))


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"body": ""}, "the message is empty"),
        ({"body": "   \n  "}, "the message is empty"),
        ({"subject": "Hello\nBcc: victim@example.com"}, "Write the subject on one line."),
    ],
)
def test_a_reply_with_an_empty_message_or_a_broken_subject_is_refused(
    coordinator_client, make_inquiry, mailoutbox, fields, error
):
    inquiry = make_inquiry()
    for step in ("preview", "send"):
        response = send(coordinator_client, inquiry, step=step, **fields)
        assert response.status_code == 200
        assert error in response.content.decode()
    assert Reply.objects.count() == 0
    assert mailoutbox == []
    inquiry.refresh_from_db()
    assert inquiry.status == "new"


def test_a_coordinator_who_may_only_view_gets_403(client, django_user_model, make_inquiry):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_inquiry"))
    client.force_login(viewer)
    inquiry = make_inquiry()

    assert client.get(reply_url(inquiry)).status_code == 403
    assert send(client, inquiry).status_code == 403
    assert Reply.objects.count() == 0
    assert reply_url(inquiry) not in hrefs(client.get(change_url(inquiry)))


def test_people_outside_staff_never_reach_the_reply_page(client, content_editor, make_inquiry):
    inquiry = make_inquiry()
    assert client.get(reply_url(inquiry)).status_code == 302  # to the admin login
    client.force_login(content_editor)
    assert client.get(reply_url(inquiry)).status_code in (403, 404)


def test_the_reply_form_is_keyboard_friendly(coordinator_client, make_inquiry):
    inquiry = make_inquiry()
    page = Page(coordinator_client.get(reply_url(inquiry)))
    page.find("label", for_="id_subject")
    page.find("label", for_="id_body")
    assert "autofocus" in page.find("textarea", name="body").attrs
    buttons = [b.attrs.get("value") for b in page.find_all("button", name="step")]
    assert buttons == ["preview"]
    preview = Page(send(coordinator_client, inquiry, step="preview"))
    buttons = [b.attrs.get("value") for b in preview.find_all("button", name="step")]
    assert buttons == ["send", "edit"]


def test_the_inquiry_page_shows_the_contact_preference_and_warns_about_phone(
    coordinator_client, make_inquiry
):
    by_email = make_inquiry()
    by_phone = make_inquiry(contact_preference="phone", phone="+44 20 7946 0000")

    def reply_box(inquiry):
        return Page(coordinator_client.get(change_url(inquiry))).find(has_class="reply-to-patient")

    assert "Preferred contact: Email" in reply_box(by_email).text
    assert "asked to be phoned" not in reply_box(by_email).text
    assert "Preferred contact: Phone (+44 20 7946 0000)" in reply_box(by_phone).text
    assert "asked to be phoned" in reply_box(by_phone).text
    assert "asked to be phoned" in page_text(coordinator_client.get(reply_url(by_phone)))


@pytest.mark.parametrize(
    "field, text, error",
    [
        ("body", "Dear {nmae},", "Unknown placeholder(s): {nmae}"),
        ("body", "Dear {name.__class__}", "Unknown placeholder(s)"),
        ("body", "Dear {0}", "Unknown placeholder(s): {0}"),
        ("body", "Dear {name:>99999999}", "without"),
        ("subject", "Hello {name}", "Unknown placeholder(s): {name}"),
    ],
)
def test_a_template_with_an_unknown_placeholder_is_refused_when_saved(
    superuser_client, field, text, error
):
    response = add_template(superuser_client, **{field: text})
    assert response.status_code == 200
    assert error in page_text(response)
    assert ReplyTemplate.objects.count() == 0


def test_a_template_with_known_placeholders_fills_in_the_patient(superuser_client, make_inquiry):
    response = add_template(
        superuser_client,
        language="es",
        subject="Su consulta {reference}",
        body="Hola {name}: {{ ok }} {reference}",
    )
    assert response.status_code == 302
    template = ReplyTemplate.objects.get()
    inquiry = make_inquiry(name="Ana")
    assert template.fill(inquiry) == (
        f"Su consulta {inquiry.reference}",
        f"Hola Ana: {{ ok }} {inquiry.reference}",
    )


def test_re_sending_notifications_never_sends_a_reply_again(
    coordinator_client, make_inquiry, mailoutbox
):
    inquiry = make_inquiry()
    send(coordinator_client, inquiry)
    assert len(mailoutbox) == 1

    run_action(coordinator_client, "resend_all_notifications", inquiry)

    assert len(mailoutbox) == 1
    assert Reply.objects.get().delivery.state == "sent"


def test_coordinators_write_reply_templates_and_see_routing_rules(coordinator_client):
    assert coordinator_client.get(f"{TEMPLATES}add/").status_code == 200
    response = add_template(coordinator_client, name="Second opinion")
    assert response.status_code == 302
    assert ReplyTemplate.objects.filter(name="Second opinion").exists()
    assert coordinator_client.get("/admin/inquiries/routingrule/").status_code == 200
    assert coordinator_client.get("/admin/inquiries/routingrule/add/").status_code == 403


def test_a_double_click_on_send_sends_the_reply_once(coordinator_client, make_inquiry, mailoutbox):
    inquiry = make_inquiry()
    body = "Dear Jane,\r\nSee you on Tuesday."

    first = send(coordinator_client, inquiry, body=body)
    second = send(coordinator_client, inquiry, body=body)

    assert first.status_code == second.status_code == 302
    assert "This reply was sent already." in messages_of(second)
    assert len(mailoutbox) == 1
    assert Reply.objects.get().body == "Dear Jane,\nSee you on Tuesday."
    assert "Dear Jane,\nSee you on Tuesday." in mailoutbox[0].body


def test_a_reply_to_a_spanish_inquiry_starts_in_spanish(
    make_inquiry, coordinator_client, mailoutbox
):
    inquiry = make_inquiry(language="es", email="ana@example.com")
    ReplyTemplate.objects.create(name="A first answer", language="en", subject="Hi", body="Hi")
    ReplyTemplate.objects.create(name="Z primera", language="es", subject="Hola", body="Hola")

    page = Page(coordinator_client.get(reply_url(inquiry)))

    assert page.find("input", name="subject").attrs["value"] == f"Su consulta {inquiry.reference}"
    templates = [option.text for option in page.find("select", name="template").find_all("option")]
    assert templates == ["— none —", "Z primera (es)", "A first answer (en)"]
    send(coordinator_client, inquiry, subject="Su consulta", body="Hola Ana")
    reply = next(m for m in mailoutbox if m.to == ["ana@example.com"])
    assert "su número de referencia" in reply.body
    assert "Para contestar, responda a este correo." in reply.body
