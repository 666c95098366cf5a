"""The rate limit counts every post when several server processes take posts at the same moment
and there is no Redis: the count lives in the database (SPEC §8, §10, §14)."""

import subprocess

import pytest

from tests.concurrency import shared_database_url
from tests.serving import finished, manage, production_env

PROCESSES = 4
POSTS_EACH = 40
LIMIT = 10

# One server process: it connects, says so, waits for the signal that every process is ready, then
# counts its posts from one client as fast as it can and prints how many were refused.
SERVER = f"""
import sys

import django

django.setup()
from django.db import connection
from django.test import RequestFactory

from inquiries.ratelimit import over_limit

request = RequestFactory().post("/inquire/", REMOTE_ADDR="203.0.113.7")
connection.ensure_connection()
print("ready", flush=True)
sys.stdin.readline()
print(sum(over_limit(request) for _ in range({POSTS_EACH})), flush=True)
"""


def environment(folder, database_url):
    # Debug settings: each process reads the rate limit itself; no deployment secrets needed.
    return production_env(
        folder, DJANGO_DEBUG="true", DATABASE_URL=database_url, INQUIRY_RATE_LIMIT=f"{LIMIT}/10m"
    )


# The tables the rate limit may use, for a SQLite file of its own.
CREATE_TABLES = """
import django

django.setup()
from django.core.management import call_command
from django.db import connection

from inquiries.models import PostCounter

with connection.schema_editor() as editor:
    editor.create_model(PostCounter)
call_command("createcachetable")
"""


@pytest.fixture
def database_url(tmp_path):
    """A database every process can open: this run's PostgreSQL test database, or a SQLite file
    (the test database of a SQLite run lives in memory)."""
    if url := shared_database_url():
        return url
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    finished(
        manage(environment(tmp_path, url), "shell", "-v", "0", "-c", CREATE_TABLES), timeout=120
    )
    return url


# The processes' rows on PostgreSQL go when the test ends.
@pytest.mark.django_db(transaction=True)
def test_posts_from_several_processes_at_once_are_all_counted(database_url, tmp_path):
    # One environment, one secret key: the counters are keyed by a hash made with it.
    env = environment(tmp_path, database_url)
    servers = [
        manage(
            env,
            "shell",
            "-v",
            "0",
            "-c",
            SERVER,
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    try:
        for server in servers:
            assert server.stdout.readline().strip() == "ready", server.stderr.read()
        for server in servers:
            server.stdin.write("go\n")
            server.stdin.flush()
        outputs = [server.communicate(timeout=120) for server in servers]
    finally:
        for server in servers:
            server.kill()

    assert all(server.returncode == 0 for server in servers), [err for _, err in outputs]
    refused = sum(int(out.strip()) for out, _ in outputs)
    # Every post past the limit is refused: none was lost between reading and writing the count.
    assert refused == PROCESSES * POSTS_EACH - LIMIT
