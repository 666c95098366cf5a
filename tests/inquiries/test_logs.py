"""The logs hold no patient data: not what a patient wrote in the form, and in the logs of
`make serve` (gunicorn, the task worker, Django) no query strings, where admin searches carry names
and emails, and no client addresses (SPEC §9, §14)."""

import logging
import re
import signal
import socket
import time
from http.cookies import SimpleCookie
from types import SimpleNamespace
from urllib.parse import quote, quote_plus, urlencode

from inquiries.models import Inquiry
from tests import pages
from tests.serving import finished, inquiry_form, manage, post_inquiry, production_env


def test_submissions_log_nothing_the_patient_wrote(caplog, valid_post, submit, client, settings):
    settings.INQUIRY_MIN_SECONDS = 0
    caplog.set_level(logging.DEBUG)
    patient = {
        "name": "Philippa Quartermaine",
        "email": "philippa.q@example.org",
        "phone": "+44 20 7946 0123",
        "country": "Liechtenstein",
        "message": "My rheumatologist suggested methotrexate, flares weekly.",
    }

    submit(valid_post(**patient))  # saved and emailed
    submit(valid_post(**{**patient, "email": "philippa.q@"}))  # shown again with an error
    submit(valid_post(**patient, extra="1"))  # refused with 400
    submit(valid_post(**patient, website="bot"))  # spam
    client.put("/inquire/", urlencode(valid_post(**patient)), "application/x-www-form-urlencoded")

    assert Inquiry.objects.count() == 2
    assert caplog.records, "nothing was captured, so this test could not fail"
    logged = caplog.text + "\n".join(record.getMessage() for record in caplog.records)
    for value in [*patient.values(), "Philippa", "Quartermaine", "philippa.q", "methotrexate"]:
        assert value not in logged
    assert "7946" not in logged


NAME = "Rosalind Quimbyfield"
EMAIL = "rosalind.quimbyfield@patients.example"
# The test's requests come from this loopback address, which nothing else in the output has
# (the server itself listens on 127.0.0.1, and says so when it starts).
CLIENT = "127.0.0.7"
PASSWORD = "a-long-staff-password-for-this-test"


class Browser:
    """Requests to the site from CLIENT, keeping cookies as a browser does."""

    def __init__(self, site):
        self.site = site
        self.cookies = {}

    def request(self, method, path, fields=None):
        """The response's status and content, the two parts tests/pages.py reads."""
        connection = self.site.connect()
        headers = {"Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items())}
        body = None
        if fields is not None:
            body = urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read()
        connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return SimpleNamespace(status=response.status, content=content)

    def sign_in(self, username, password):
        form = pages.parse(self.request("GET", "/admin/login/"))
        [token] = pages.find_all(form, "input", name="csrfmiddlewaretoken")
        fields = {"csrfmiddlewaretoken": token.attrs["value"], "username": username}
        fields.update(password=password, next="/admin/")
        return self.request("POST", "/admin/login/?next=/admin/", fields).status


def bad_request_line(site, target):
    """A request line gunicorn refuses itself; its warning quotes the line and the client."""
    with socket.create_connection(
        ("127.0.0.1", site.port), timeout=5, source_address=(CLIENT, 0)
    ) as connection:
        # DEL is not allowed in a request target.
        connection.sendall(f"GET {target}\x7f HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        return connection.recv(1024).decode(errors="replace")


def test_logs_hold_no_searched_names_emails_or_client_addresses(instance, serve, smtp_server):
    env = production_env(instance, 8000, DJANGO_SUPERUSER_PASSWORD=PASSWORD)
    finished(
        manage(
            env,
            "createsuperuser",
            "--noinput",
            "--username",
            "admin",
            "--email",
            "admin@clinic.example",
        )
    )
    site = serve(
        INQUIRY_MIN_SECONDS="0",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_server.port),
        # Everything each process can say, so that a leak at any level shows.
        DJANGO_LOG_LEVEL="DEBUG",
        GUNICORN_CMD_ARGS="--log-level debug",
    )
    site.client_address = CLIENT
    browser = Browser(site)

    # A patient lands from a link with their address in it, then sends the form.
    assert browser.request("GET", "/inquire/?" + urlencode({"utm_source": EMAIL})).status == 200
    assert post_inquiry(site, *inquiry_form(site), name=NAME, email=EMAIL) == 303
    deadline = time.monotonic() + 15
    while len(smtp_server.received) < 2:
        assert time.monotonic() < deadline, f"no emails sent:\n{site.output()[-3000:]}"
        time.sleep(0.1)

    # Staff sign in (once wrongly), search for the patient, and follow a link that failed.
    assert browser.sign_in("admin", "not-the-password") == 200
    assert browser.sign_in("admin", PASSWORD) == 302
    for words in (EMAIL, NAME):
        found = browser.request("GET", "/admin/inquiries/inquiry/?" + urlencode({"q": words}))
        assert found.status == 200
        assert NAME in pages.page_text(found), "the search should find the patient"
    missing = browser.request("GET", "/no-such-page/?" + urlencode({"email": EMAIL}))
    assert missing.status == 404
    assert " 400 " in bad_request_line(site, "/?" + urlencode({"q": EMAIL}))

    site.process.send_signal(signal.SIGTERM)
    assert site.exit_status() == 0, site.output()[-3000:]
    output = site.output()

    secrets = {CLIENT, EMAIL, NAME, *NAME.split()}
    secrets |= {quote(secret) for secret in secrets} | {quote_plus(secret) for secret in secrets}
    leaks = [
        line
        for line in output.splitlines()
        if any(secret.lower() in line.lower() for secret in secrets)
    ]
    assert leaks == []
    # The access log still shows each request, by path and status.
    for request in (
        '"GET /inquire/" 200',
        '"POST /inquire/" 303',
        '"POST /admin/login/" 302',
        '"GET /admin/inquiries/inquiry/" 200',
        '"GET /no-such-page/" 404',
    ):
        assert request in output, output[-3000:]
    # What each process logs about the rest is still there, without the details.
    assert "Sent staff email for inquiry id=" in output
    assert "Not Found: /no-such-page/" in output
    refused = r"Invalid request from ip=client-[0-9a-f]{12}: Invalid HTTP request line: 'GET /"
    assert re.search(refused, output), output[-3000:]
