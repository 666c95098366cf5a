"""Two servers, one database: two `make serve` instances on one PostgreSQL and one Redis. An edit
shows on both at their next request, the rate limit counts posts to both, and each email goes out
exactly once although both task workers poll the queue (SPEC §11, §8)."""

import os
import re
import shutil
import time
from urllib.parse import urlsplit

import pytest
from django.conf import settings

from tests.mail import SMTPServer
from tests.serving import (
    Site,
    empty_redis,
    finished,
    free_port,
    inquiry_form,
    manage,
    post_inquiry,
    prepare_site,
    production_env,
)

DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = "redis://127.0.0.1:6379/9"

pytestmark = pytest.mark.skipif(
    urlsplit(DATABASE_URL).scheme not in {"postgres", "postgresql"},
    reason="needs PostgreSQL: run with DATABASE_URL=postgres://… (as .ci/run does)",
)


@pytest.fixture(scope="module")
def shared_database():
    """A database of its own beside the test database, which the servers cannot see into."""
    psycopg = pytest.importorskip("psycopg")
    url = urlsplit(DATABASE_URL)
    name = url.path.lstrip("/") + "_two"
    admin = url._replace(scheme="postgresql", path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')
    yield url._replace(path=f"/{name}").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def shared_redis():
    yield from empty_redis(REDIS_URL)


@pytest.fixture(scope="module")
def mail_server():
    server = SMTPServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def two_servers(tmp_path_factory, shared_database, shared_redis, mail_server):
    """Both servers and the environment they share, started once for the tests below."""
    tmp_path = tmp_path_factory.mktemp("two-servers")
    shared = {
        # One deployment, one secret: rate-limit keys and form tokens are signed with it.
        "DJANGO_SECRET_KEY": os.urandom(32).hex(),
        "DATABASE_URL": shared_database,
        "CACHE_URL": REDIS_URL,
        "INQUIRY_MIN_SECONDS": "0",
        "INQUIRY_RATE_LIMIT": "5/10m",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(mail_server.port),
        "WEB_CONCURRENCY": "1",  # two servers on a small machine: one web worker each
    }
    env = prepare_site(tmp_path, **shared)
    sites = []
    try:
        for n in range(2):
            site_env = production_env(tmp_path, free_port(), **shared)
            sites.append(Site(site_env, tmp_path / f"server-{n}.log"))
        for site in sites:
            site.wait_until_healthy()
        yield env, sites
    finally:
        for site in sites:
            site.stop()


def test_an_edit_shows_on_both_servers_at_their_next_request(two_servers, tmp_path):
    env, sites = two_servers
    sle = "/conditions/systemic-lupus-erythematosus/"
    before = {}
    for site in sites:
        for path in (sle, "/research/"):
            status, headers, body = site.get(path)
            assert status == 200
            before[site.port, path] = headers.get("ETag"), body
    content = tmp_path / "content"
    shutil.copytree(settings.CONTENT_DIR, content)
    condition = next((content / "conditions").glob("*.md"))
    condition.write_text(condition.read_text().replace("\n+++\n", "\n+++\n\nEdited once.\n", 1))
    study = next((content / "research").glob("*.md"))
    study.write_text(re.sub(r'(?m)^title = "', 'title = "Edited: ', study.read_text(), count=1))

    finished(manage(env, "load_content", str(content)))

    for site in sites:
        status, _, body = site.get(sle)
        assert status == 200
        assert "Edited once." in body, site.port
        assert "Edited once." not in before[site.port, sle][1]
        status, headers, body = site.get("/research/")
        assert "Edited: " in body, site.port
        assert headers["ETag"] != before[site.port, "/research/"][0]


def test_the_rate_limit_counts_both_servers_and_each_email_goes_out_once(two_servers, mail_server):
    env, sites = two_servers

    statuses = []
    for n in range(6):
        # Each form fetched from one server and sent to the other.
        cookie, fields = inquiry_form(sites[n % 2])
        statuses.append(post_inquiry(sites[(n + 1) % 2], cookie, fields))

    assert statuses == [303] * 5 + [429], statuses
    deadline = time.monotonic() + 60
    while len(mail_server.received) < 10 or not all_sent(env):
        assert time.monotonic() < deadline, f"{len(mail_server.received)} emails arrived"
        time.sleep(0.2)
    ids = mail_server.message_ids()
    assert len(ids) == 10
    assert len(set(ids)) == 10, "an email went out twice"
    kinds = sorted(re.match(r"<INQ-\w{6}\.(\w+)@", message_id)[1] for message_id in ids)
    assert kinds == ["acknowledgement"] * 5 + ["staff"] * 5


def all_sent(env):
    """Whether the shared database records every email as sent: none left for a worker."""
    check = manage(
        env,
        "shell",
        "-c",
        "from inquiries.models import EmailDelivery as D; "
        "print(D.objects.count(), D.objects.exclude(state='sent').count())",
    )
    output = check.communicate(timeout=60)[0].decode().split()
    return output[-2:] == ["10", "0"]
