"""What the log filter in clinic/logs.py leaves of a line: the path without its query string, and
a hash in place of each client address (SPEC §14). The whole stack is tested in
tests/inquiries/test_logs.py; these pin the edges."""

import io
import logging
import re

import pytest

from clinic.logs import RedactFilter, client_label, redact

HASHED = re.compile(r"client-[0-9a-f]{12}")


@pytest.mark.parametrize(
    ("line", "kept"),
    [
        (
            '"GET /admin/inquiries/inquiry/?q=jane%40example.com HTTP/1.1"',
            "/admin/inquiries/inquiry/ ",
        ),
        ("Not Found: /x/?email=jane@example.com&name=Jane+Doe", "Not Found: /x/"),
        ("from https://clinic.example/inquire/?utm_source=jane done", "/inquire/ done"),
        ("Invalid HTTP request line: 'GET /?q=jane\\x7f HTTP/1.1'", "'GET / HTTP/1.1'"),
    ],
)
def test_query_strings_are_dropped(line, kept):
    assert kept in redact(line)
    assert "jane" not in redact(line).lower()


@pytest.mark.parametrize(
    "address", ["203.0.113.9", "::1", "2001:db8::1", "::ffff:203.0.113.9", "fe80::1:2:3"]
)
def test_client_addresses_become_a_hash(address):
    for line in (f"ip={address}: bad", f"from [{address}]:443", f"{address}, then"):
        result = redact(line)
        assert address not in result
        assert HASHED.search(result), result


def test_one_address_always_gets_the_same_hash():
    assert client_label("203.0.113.9") == client_label("203.0.113.9")
    assert client_label("203.0.113.9") != client_label("203.0.113.10")


@pytest.mark.parametrize(
    "line",
    [
        "2026-11-30 09:15:02,123 INFO started at 09:15:02",
        "Are you sure? Yes.",
        "version 1.2.3.4.5",
        "Sent staff email for inquiry id=12",
    ],
)
def test_lines_without_queries_or_addresses_stay_as_they_are(line):
    assert redact(line) == line


def test_addresses_the_server_listens_on_are_kept():
    line = "Listening at: http://127.0.0.1:8000 (12); request from 127.0.0.9"
    assert redact(line, keep={"127.0.0.1"}).startswith("Listening at: http://127.0.0.1:8000 ")
    assert "127.0.0.9" not in redact(line, keep={"127.0.0.1"})


def test_the_filter_rewrites_arguments_and_tracebacks():
    try:
        raise ValueError("bad value from /inquire/?email=jane@example.com")
    except ValueError as error:
        record = logging.LogRecord(
            "x",
            logging.ERROR,
            __file__,
            1,
            "Error handling %s for %s",
            ("/a/?q=jane", "::1"),
            (type(error), error, error.__traceback__),
        )
    assert RedactFilter().filter(record) is True

    text = logging.Formatter().format(record)
    assert "Error handling /a/ for client-" in text
    assert "ValueError: bad value from /inquire/" in text
    assert "jane" not in text


def test_django_logs_pass_through_the_filter():
    (console,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    stream = io.StringIO()
    previous = console.setStream(stream)
    try:
        logging.getLogger("django.request").warning("Not Found: %s", "/x/?q=jane@example.com")
        logging.getLogger("axes").info("Login by %s", "203.0.113.9")
    finally:
        console.setStream(previous)

    logged = stream.getvalue()
    assert "Not Found: /x/" in logged
    assert HASHED.search(logged), logged
    assert "jane" not in logged
    assert "203.0.113.9" not in logged
