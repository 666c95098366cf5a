import datetime
import itertools

import pytest
import time_machine
from django.utils import timezone, translation

from conditions.models import Condition
from inquiries.models import Inquiry
from research.models import KeyFinding, Study
from tests import groups, serving
from tests.mail import SMTPServer

_numbers = itertools.count(1)


# What made rows hold unless a test says otherwise; "{n}" becomes a number no other row has.
CONDITION = {
    "name": "Condition {n}",
    "slug": "condition-{n}",
    "summary": "A one-line summary.",
    "body": "## About\n\nSome text.",
    "published": True,
    "last_reviewed": datetime.date(2026, 11, 1),
    "next_review_due": datetime.date(2027, 11, 1),
    "reviewed_by": "Medical content team",
}
STUDY = {
    "title": "A study of things number {n}",
    "slug": "study-{n}",
    "authors": "Wang, Dandan\nLi, Jing\nZhang, Yu\nSun, Lingyun",
    "journal": "Arthritis Research & Therapy",
    "year": 2014,
    "volume": "16",
    "issue": "2",
    "pages": "R79",
    "doi": "10.1186/ar9{n:03d}",
    "pmid": "2466{n:04d}",
    "design": "Single-arm study, no control group",
    "participants": 40,
    "summary": "## What was done\n\nPlain words.",
    "published": True,
}


def numbered(model, defaults, fields):
    n = next(_numbers)
    values = {k: v.format(n=n) if isinstance(v, str) else v for k, v in defaults.items()}
    return model.objects.create(**(values | fields))


@pytest.fixture
def make_condition(db):
    return lambda **fields: numbered(Condition, CONDITION, fields)


@pytest.fixture
def make_study(db):
    def make(conditions=(), findings=(), **fields):
        study = numbered(Study, STUDY, fields)
        study.conditions.set(conditions)
        for order, (label, value, count) in enumerate(findings):
            KeyFinding.objects.create(
                study=study, label=label, value=value, count=count, order=order
            )
        return study

    return make


SLE_BODY = """\
## What is SLE?

Lupus is **an autoimmune disease**: the immune system attacks healthy parts of the body.

## Symptoms

- painful joints
- feeling very tired

## Treatment

| Medicine | What it does |
|---|---|
| Hydroxychloroquine | Calms the immune system |
"""


SLE = {
    "name": "Systemic lupus erythematosus (SLE)",
    "slug": "systemic-lupus-erythematosus",
    "summary": "What lupus is and how it is treated.",
    "body": SLE_BODY,
    "last_reviewed": datetime.date(2026, 11, 20),
    "next_review_due": datetime.date(2027, 11, 20),
}


@pytest.fixture
def sle(make_condition):
    """The clinic's page on lupus, at its real address."""
    return make_condition(**SLE)


def _staff_member(django_user_model, username, group):
    user = django_user_model.objects.create_user(username, is_staff=True)
    user.groups.add(groups.staff_groups()[group])
    return user


@pytest.fixture
def superuser(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@clinic.example", None)


@pytest.fixture
def superuser_client(client, superuser):
    # force_login needs no password, and hashing one would cost most of a test's time.
    client.force_login(superuser)
    return client


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.fixture
def coordinator(django_user_model):
    return _staff_member(django_user_model, "coordinator", "Patient coordinators")


@pytest.fixture
def content_editor(django_user_model):
    return _staff_member(django_user_model, "editor", "Content editors")


@pytest.fixture
def privacy_officer(django_user_model):
    return _staff_member(django_user_model, "privacy", "Privacy officers")


@pytest.fixture
def make_inquiry(db):
    def make(**fields):
        values = {
            "name": "Jane Patient",
            "email": "jane@example.com",
            "message": "I would like to know more about the treatment.",
            "contact_preference": Inquiry.ContactPreference.EMAIL,
            "consent_at": timezone.now(),
            "consent_version": "2026-11",
        }
        values.update(fields)
        return Inquiry.objects.create(**values)

    return make


# `make serve` in a subprocess (tests/serving.py).


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """A folder with a migrated database and collected static files, shared by a module's tests."""
    return serving.prepare_instance(tmp_path_factory.mktemp("serve"))


@pytest.fixture
def serve(instance, tmp_path):
    """Starts scripts/serve on a free port with production settings; stops it after the test."""
    started = []

    def start(**extra):
        env = serving.production_env(instance, serving.free_port(), **extra)
        site = serving.Site(env, tmp_path / f"serve-{len(started)}.log")
        started.append(site)
        site.wait_until_healthy()
        return site

    yield start
    for site in started:
        site.stop()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in English: Django's LocaleMiddleware leaves a Spanish page's language
    active in the thread, where code run outside a request would read it."""
    translation.deactivate()


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
def clock():
    """Time stands still for the whole process (the form token, sessions, the cache, the delivery
    code, the task queue) until the test moves it with `clock.shift(timedelta)` or
    `clock.move_to(moment)`.

    It stops at the next whole second, not at a fixed date, so that what fixtures made before it
    is never in its future; whole, because the form token counts whole seconds.
    """
    start = timezone.now().replace(microsecond=0) + datetime.timedelta(seconds=1)
    with time_machine.travel(start, tick=False) as traveller:
        yield traveller
