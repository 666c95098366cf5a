"""Request bodies (SPEC §14): a file upload to any public URL is refused before its body is read or
written anywhere, a body over the limit gets 413 everywhere, and the answer is the friendly page."""

import http.client
import io
import socket
import sqlite3
from urllib.parse import urlencode

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from conditions.models import Condition
from inquiries.models import EmailDelivery, Inquiry
from tests import serving

FORM_ENCODED = "application/x-www-form-urlencoded"
PUBLIC_URLS = ["/inquire/", "/", "/conditions/", "/no-such-page/"]


def multipart(**fields):
    return encode_multipart(BOUNDARY, fields).replace(b"\n", b"\r\n")


def post_unread(client, path, body, content_type, **extra):
    """POST with a body the test can watch: the stream says how much of it the site read."""
    stream = io.BytesIO(body)
    response = client.generic(
        "POST", path, body, content_type=content_type, **{"wsgi.input": stream}, **extra
    )
    return response, stream.tell()


def assert_nothing_saved():
    assert Inquiry.objects.count() == 0
    assert EmailDelivery.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_URLS)
def test_a_file_upload_to_a_public_url_is_refused_before_its_body_is_read(client, path):
    body = (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="attachment"; filename="records.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n%PDF-1.4 medical records\r\n"
        f"--{BOUNDARY}--\r\n"
    ).encode()

    response, read = post_unread(client, path, body, MULTIPART_CONTENT)

    assert response.status_code == 400
    assert read == 0
    page = response.content.decode()
    assert "The form does not take files" in page
    assert "Nothing was saved" in page
    assert response["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert_nothing_saved()


@pytest.mark.django_db
def test_a_multipart_form_without_files_is_refused_too(client):
    body = multipart(name="Ada Lovelace", email="ada@example.com", message="Some words.")

    response, read = post_unread(client, "/inquire/", body, MULTIPART_CONTENT)

    assert response.status_code == 400
    assert read == 0
    assert_nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize("path", PUBLIC_URLS)
def test_a_form_body_over_the_public_limit_gets_413_unread(client, settings, path):
    body = urlencode({"message": "x" * (settings.PUBLIC_BODY_MAX_SIZE + 1)}).encode()

    response, read = post_unread(client, path, body, FORM_ENCODED)

    assert response.status_code == 413
    assert read == 0
    assert "The request was too large" in response.content.decode()
    assert_nothing_saved()


@pytest.mark.django_db
def test_a_chunked_body_without_a_length_gets_411(client):
    response = client.generic(
        "POST", "/inquire/", content_type=FORM_ENCODED, HTTP_TRANSFER_ENCODING="chunked"
    )

    assert response.status_code == 411
    assert_nothing_saved()


@pytest.mark.django_db
@pytest.mark.parametrize("length", ["many", "-1"])
def test_an_impossible_length_gets_400(client, length):
    response, read = post_unread(
        client, "/inquire/", b"name=x", FORM_ENCODED, CONTENT_LENGTH=length
    )

    assert response.status_code == 400
    assert read == 0


def condition_form(condition, body):
    return {
        "name": condition.name,
        "slug": condition.slug,
        "summary": condition.summary,
        "published": "on",
        "order": "0",
        "last_reviewed": "2026-11-20",
        "next_review_due": "2027-11-20",
        "reviewed_by": condition.reviewed_by,
        "body": body,
    }


def test_the_admin_takes_a_page_larger_than_the_public_limit(superuser_client, make_condition):
    condition = make_condition()
    body = "Plain words about the condition.\n\n" * 6000  # about 200 KB

    response = superuser_client.post(
        f"/admin/conditions/condition/{condition.pk}/change/", condition_form(condition, body)
    )

    assert response.status_code == 302
    assert Condition.objects.get(pk=condition.pk).body == body.strip()


def test_a_body_over_the_admin_limit_gets_413_and_changes_nothing(superuser_client, make_condition):
    condition = make_condition(body="## About\n\nThe old text.")
    body = "x" * (600 * 1024)

    response, read = post_unread(
        superuser_client,
        f"/admin/conditions/condition/{condition.pk}/change/",
        urlencode(condition_form(condition, body)).encode(),
        FORM_ENCODED,
    )

    assert response.status_code == 413
    assert read == 0
    assert Condition.objects.get(pk=condition.pk).body == "## About\n\nThe old text."


# Against gunicorn: the answer comes before the body has even been sent.


def send_partly(site, head, body_start, uploads):
    """Send a request's headers and the start of its body, then read the answer without sending
    the rest: a server that reads the body first never answers. Also the files in `uploads`
    meanwhile (a server gives up a temporary file once the connection is gone)."""
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as connection:
        try:
            connection.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body_start)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may have answered and hung up already: the answer is still there
        response = http.client.HTTPResponse(connection)
        try:
            response.begin()
            status, page = response.status, response.read().decode()
        except TimeoutError:
            status, page = None, ""
        return status, page, sorted(path.name for path in uploads.iterdir())


@pytest.mark.parametrize(
    "path",
    [
        "/admin/conditions/condition/",
        "/admin/research/study/",
        "/admin/inquiries/inquiry/",
        "/admin/inquiries/inquiryaccess/",
        "/admin/auth/user/",
    ],
)
def test_a_nul_in_an_admin_search_or_filter_gets_400_not_500(superuser_client, path):
    # PostgreSQL cannot compare text holding a NUL: every admin list is refused before its query.
    assert superuser_client.get(path, {"q": "lupus\x00"}).status_code == 400
    assert superuser_client.get(path, {"q": "lupus"}).status_code == 200


def test_gunicorn_answers_uploads_and_large_bodies_before_reading_them(serve, instance, tmp_path):
    uploads = tmp_path / "tmp"
    uploads.mkdir()
    # Django writes large uploads to temporary files in TMPDIR.
    site = serve(TMPDIR=str(uploads))
    cookie, fields = serving.inquiry_form(site)
    head = (
        "POST /inquire/ HTTP/1.1\n"
        f"Host: 127.0.0.1:{site.port}\n"
        f"Cookie: csrftoken={cookie}\n"
        "Content-Type: {type}\n"
        "{length}\n"
    )
    # More than the 64 KB a parser reads at once, and less than a whole body.
    form_start = urlencode(fields).encode() + b"&message=" + b"x" * 200_000
    upload_start = (
        (
            f"--{BOUNDARY}\r\n"
            f'Content-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
            f"{fields['csrfmiddlewaretoken']}\r\n--{BOUNDARY}\r\n"
            'Content-Disposition: form-data; name="attachment"; filename="records.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + b"%PDF-1.4 "
        + b"x" * 200_000
    )

    answers = {
        "upload": send_partly(
            site,
            head.format(type=MULTIPART_CONTENT, length="Content-Length: 2000000"),
            upload_start,
            uploads,
        ),
        "large form": send_partly(
            site,
            head.format(type=FORM_ENCODED, length="Content-Length: 300000"),
            form_start,
            uploads,
        ),
        "chunked form": send_partly(
            site,
            head.format(type=FORM_ENCODED, length="Transfer-Encoding: chunked"),
            b"%x\r\n" % len(form_start) + form_start + b"\r\n",
            uploads,
        ),
    }

    assert {name: answer[0] for name, answer in answers.items()} == {
        "upload": 413,
        "large form": 413,
        "chunked form": 411,
    }, f"{answers}\n{site.output()[-3000:]}"
    assert all("Nothing was saved" in page for _, page, _ in answers.values())
    assert all(files == [] for _, _, files in answers.values()), answers
    with sqlite3.connect(instance / "db.sqlite3") as database:
        assert database.execute("SELECT COUNT(*) FROM inquiries_inquiry").fetchone() == (0,)
