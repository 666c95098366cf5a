"""Shared by the inquiry tests: a clean cache, a valid post and ways to send it, one clock, HTML
parsing, a real SMTP server and task worker, staff personas, threads and other processes."""

import asyncio
import email
import email.message
import email.policy
import inspect
import logging
import signal
import threading
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
import time_machine
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections
from django.tasks import task_backends
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend

from inquiries.models import EmailDelivery, Inquiry
from inquiries.views import SESSION_KEY
from tests import pages, serving

DB_FIXTURES = {"db", "transactional_db", "live_server"}


@pytest.fixture(autouse=True)
def empty_cache(request):
    """Rate-limit counters live in the shared cache: start every database test without any."""
    if DB_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db"):
        # pytest-django picks a transactional database itself when the test asked for one.
        request.getfixturevalue("db")
        cache.clear()
    yield


def hidden_tokens(response):
    """The CSRF token and the form_token of the form on a page, as a browser sends them back."""
    page = pages.Page(response)
    return {
        name: page.find("input", name=name).attrs["value"]
        for name in ("csrfmiddlewaretoken", "form_token")
    }


@pytest.fixture
def no_spam_checks(settings):
    """For tests that send forms at once and often: the fill-time check and the rate limit have
    tests of their own (test_spam, test_rate_limit)."""
    settings.INQUIRY_MIN_SECONDS = 0
    settings.INQUIRY_RATE_LIMIT = None


def assert_nothing_saved():
    """No inquiry, and so no email to send."""
    assert Inquiry.objects.count() == 0
    assert EmailDelivery.objects.count() == 0


@pytest.fixture
def fetch_form_token(client):
    """GET a page with a form (with `client`, or `using`) and return its form_token."""

    def fetch(page="/inquire/", *, using=None, **headers):
        response = (using or client).get(page, **headers)
        assert response.status_code == 200
        return hidden_tokens(response)["form_token"]

    return fetch


@pytest.fixture
def valid_post(make_condition, fetch_form_token):
    """A function returning the fields of a valid inquiry, with a token from a real form page.

    The token comes from `page` (so the inquiry records that page and its UTM parameters);
    keyword arguments replace fields, and a value of None leaves the field out.
    """
    condition = make_condition(name="Systemic Lupus Erythematosus", slug="sle-test")

    def make(page="/inquire/", **fields):
        data = {
            "name": "Ada Lovelace",
            "email": "ada@example.com",
            "phone": "+44 20 7946 0000",
            "country": "United Kingdom",
            "condition": condition.slug,
            "message": "I was diagnosed with lupus in 2019 and would like to know more.",
            "contact_preference": "email",
            "consent": "on",
            "website": "",
        }
        if "form_token" not in fields:
            data["form_token"] = fetch_form_token(page)
        data.update(fields)
        return {name: value for name, value in data.items() if value is not None}

    make.condition = condition
    return make


@pytest.fixture
def submit(client):
    """Post fields to /inquire/ (or `path`) form-encoded, as a browser does; `data` may be a
    list of pairs."""

    def post(data, *, using=None, path="/inquire/", **extra):
        body = data if isinstance(data, (str, bytes)) else urlencode(data, doseq=True)
        return (using or client).post(
            path, body, content_type="application/x-www-form-urlencoded", **extra
        )

    return post


@pytest.fixture
def clock():
    """Time stands still for the whole process (the form token, the cache, the delivery code, the
    task queue) until the test moves it with `clock.shift(timedelta)` or `clock.move_to(moment)`.

    It stops at the next whole second, not at a fixed date, so that what fixtures made before it
    is never in its future; whole, because the form token counts whole seconds.
    """
    start = timezone.now().replace(microsecond=0) + timedelta(seconds=1)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller


@pytest.fixture
def parse():
    """Parse a response: parse(response).find("input", name="email")."""
    return pages.Page


# Email delivery: a real SMTP server on loopback, and the database task queue and its real worker.


@dataclass
class Received:
    sender: str
    recipients: list
    message: email.message.EmailMessage


class MailSink:
    """An aiosmtpd handler that keeps what it receives.

    `refuse` holds recipient addresses answered with 550. When `hold` is set, DATA is recorded and
    then the server waits for `hold` before answering 250: the message has arrived but the client
    does not know it yet (the moment a crash leaves delivery uncertain).
    """

    def __init__(self):
        self.received = []
        self.refuse = set()
        self.hold = None
        self.data_arrived = threading.Event()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        self.data_arrived.set()
        if self.hold is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, 60)
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on 127.0.0.1; stop() and start() again on the same port simulate an outage."""

    def __init__(self):
        self.port = serving.free_port()
        self.handler = MailSink()
        self._controller = None

    def start(self):
        assert self._controller is None, "already running"
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self):
        return self._controller is not None

    @property
    def received(self):
        return list(self.handler.received)

    def message_ids(self):
        return [item.message["Message-ID"] for item in self.handler.received]

    def release(self):
        if self.handler.hold is not None:
            self.handler.hold.set()


@pytest.fixture
def smtp_server(settings):
    """A running SMTP server on loopback, and the default mailer pointed at it."""
    server = SMTPServer()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "clinic.mail.SMTPBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    yield server
    server.release()
    server.stop()


@pytest.fixture
def task_queue(settings):
    """Tasks go to the database queue, as in production; returns a function running the worker.

    `task_queue()` runs django-tasks-db's `db_worker` in this process until no task is due;
    `task_queue("run_worker")` runs the project's command, which first recovers stalled emails.
    """
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    # Django resets its task backends when TASKS changes: the code under test sees the queue.
    assert isinstance(task_backends["default"], DatabaseBackend)

    def run(command="db_worker"):
        signals = [signal.SIGINT, signal.SIGTERM, signal.SIGQUIT]
        saved_handlers = {number: signal.getsignal(number) for number in signals}
        loggers = [logging.getLogger(name) for name in ("django.tasks", "django_tasks_db")]
        saved_levels = [logger.level for logger in loggers]
        try:
            call_command(
                command, batch=True, reload=False, startup_delay=False, interval=0, verbosity=0
            )
        finally:
            # The worker installs its own signal handlers and log levels for a process it owns.
            for number, handler in saved_handlers.items():
                signal.signal(number, handler)
            for logger, level in zip(loggers, saved_levels, strict=True):
                logger.setLevel(level)

    return run


def at_once(function, count=2, timeout=60):
    """Run `function()` in `count` threads released together, each with its own database
    connection; return what each returned, or raise what one raised."""
    barrier = threading.Barrier(count, timeout=timeout)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(function())
        except Exception as error:  # raised again below, in the test's own thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return results


def shared_database_url():
    """The test database as a DATABASE_URL another process can open, or None (SQLite in memory)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
        return f"postgres://{auth}@{host}/{quote(db['NAME'], safe='')}"
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        return "sqlite:///" + str(Path(db["NAME"]).resolve())
    return None


@pytest.fixture
def submit_inquiry(client, valid_post, submit, no_spam_checks):
    """Post the real form (fetched first, for its token) and return the saved inquiry.

    `prefix` sends it from another language's form, e.g. "/es".
    """

    def submit_one(prefix="", **fields):
        form = f"{prefix}/inquire/"
        response = submit(valid_post(page=form, **fields), path=form)
        assert response.status_code == 303, response.content.decode()[:2000]
        assert response["Location"] == f"{prefix}/inquire/thanks/"
        return Inquiry.objects.get(reference=client.session[SESSION_KEY])

    submit_one.condition = valid_post.condition
    return submit_one


def each_persona(name, *personas):
    """Two fixtures: `name`, which runs each test taking it once as each of `personas` (fixtures
    giving a user), and `<name>_client`, the test client signed in as that user."""

    @pytest.fixture(name=name, params=personas)
    def user(request):
        return request.getfixturevalue(request.param)

    def signed_in(client, **users):
        client.force_login(users[name])
        return client

    # Named as an argument, the user fixture is one pytest knows the client depends on: a test
    # taking only the client still runs once per persona.
    signed_in.__signature__ = inspect.Signature(
        [inspect.Parameter(arg, inspect.Parameter.KEYWORD_ONLY) for arg in ("client", name)]
    )
    return user, pytest.fixture(signed_in, name=f"{name}_client")


staff, staff_client = each_persona("staff", "coordinator", "superuser")
