"""Shared by the inquiry tests: a clean cache, a valid post and ways to send it, the task queue
and its worker, staff personas."""

import inspect
import logging
import signal
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.tasks import task_backends
from django_tasks_db.backend import DatabaseBackend

from inquiries.models import Inquiry
from inquiries.views import SESSION_KEY
from tests import pages

DB_FIXTURES = {"db", "transactional_db", "live_server"}


@pytest.fixture(autouse=True)
def empty_cache(request):
    """Rate-limit counters live in the shared cache: start every database test without any."""
    if DB_FIXTURES & set(request.fixturenames) or request.node.get_closest_marker("django_db"):
        # pytest-django picks a transactional database itself when the test asked for one.
        request.getfixturevalue("db")
        cache.clear()
    yield


@pytest.fixture
def no_spam_checks(settings):
    """For tests that send forms at once and often: the fill-time check and the rate limit have
    tests of their own (test_spam, test_rate_limit)."""
    settings.INQUIRY_MIN_SECONDS = 0
    settings.INQUIRY_RATE_LIMIT = None


@pytest.fixture
def fetch_form_token(client):
    """GET a page with a form (with `client`, or `using`) and return its form_token."""

    def fetch(page="/inquire/", *, using=None, **headers):
        response = (using or client).get(page, **headers)
        assert response.status_code == 200
        return pages.hidden_tokens(response)["form_token"]

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
def staff_addresses():
    """Whom the site tells of a new inquiry; a test file overrides it to have several."""
    return ["coordinators@clinic.example"]


@pytest.fixture
def notify_settings(settings, staff_addresses):
    """The settings every deployment sets before it sends email: the staff's addresses and the
    site's own address, for links."""
    settings.INQUIRY_NOTIFY_EMAILS = staff_addresses
    settings.SITE_URL = "https://clinic.example"
    return settings


# Email delivery: the database task queue and its real worker (the SMTP server is tests/mail.py).


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
