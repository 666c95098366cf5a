"""`make serve`: scripts/serve runs gunicorn and the task worker side by side with production
settings, answers, and stops both cleanly on SIGTERM; the inquiry rate limit holds across
gunicorn's worker processes (SPEC §3, §8, §10).
"""

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
REDIS_URL = "redis://127.0.0.1:6379/15"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def production_env(instance, port, **extra):
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "INQUIRY_", "EMAIL_"))
        and name not in {"DATABASE_URL", "CACHE_URL", "REDIS_URL", "SITE_URL", "WEB_CONCURRENCY"}
    }
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=os.urandom(32).hex(),
        SITE_URL=f"http://127.0.0.1:{port}",
        PORT=str(port),
        HOST="127.0.0.1",
        DJANGO_HTTPS="false",
        INQUIRY_NOTIFY_EMAILS="staff@example.com",
        DATABASE_URL=f"sqlite:///{instance / 'db.sqlite3'}",
        WEB_CONCURRENCY="2",
        PY=sys.executable,
        # The production settings with STATIC_ROOT in the test's own folder: var/static is shared
        # with whoever else runs `make serve` or collectstatic on this checkout meanwhile.
        DJANGO_SETTINGS_MODULE="serve_test_settings",
        PYTHONPATH=os.pathsep.join([str(instance), str(BASE_DIR)]),
        **extra,
    )
    return env


def manage(env, *args):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def finished(process, timeout=60):
    output = process.communicate(timeout=timeout)[0].decode()
    assert process.returncode == 0, output[-3000:]


@pytest.fixture(scope="module")
def instance(tmp_path_factory):
    """A folder with a migrated SQLite database and collected static files, as `make serve`
    prepares them."""
    folder = tmp_path_factory.mktemp("serve")
    (folder / "serve_test_settings.py").write_text(
        f"from clinic.settings import *  # noqa: F403\n\nSTATIC_ROOT = {str(folder / 'static')!r}\n"
    )
    env = production_env(folder, 8000)
    collect = manage(env, "collectstatic", "--noinput", "--verbosity", "0")
    finished(manage(env, "migrate", "--noinput", "--verbosity", "0"))
    finished(manage(env, "createcachetable"))
    finished(collect)
    assert (folder / "static" / "staticfiles.json").exists()
    return folder


def alive(pid):
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def children(pid):
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[1]) == pid:
            found.append((int(stat.parent.name), cmdline))
    return found


class Site:
    def __init__(self, env, log_path):
        self.port = int(env["PORT"])
        self.url = env["SITE_URL"]
        self.log_path = log_path
        self.log = open(log_path, "wb")
        # A session of its own, so that a failing test can still stop every process it started.
        self.process = subprocess.Popen(
            ["scripts/serve"],
            cwd=BASE_DIR,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self):
        return Path(self.log_path).read_text(errors="replace")

    def get(self, path, timeout=5):
        try:
            with urllib.request.urlopen(self.url + path, timeout=timeout) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode()

    def wait_until_healthy(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"scripts/serve exited:\n{self.output()[-3000:]}"
            try:
                status, _, body = self.get("/healthz", timeout=1)
            except OSError:
                status = None
            if status == 200:
                return body
            time.sleep(0.1)
        pytest.fail(f"/healthz did not answer 200 within {timeout} s:\n{self.output()[-3000:]}")

    def processes(self, timeout=10):
        """(gunicorn master, gunicorn workers, task worker) pids, once all have started."""
        deadline = time.monotonic() + timeout
        while True:
            direct = children(self.process.pid)
            masters = [pid for pid, cmd in direct if "gunicorn" in cmd]
            workers = [pid for pid, cmd in direct if "run_worker" in cmd]
            web_workers = [pid for master in masters for pid, _ in children(master)]
            if len(masters) == 1 and len(workers) == 1 and len(web_workers) == 2:
                return masters[0], web_workers, workers[0]
            assert time.monotonic() < deadline, f"processes under scripts/serve: {direct}"
            time.sleep(0.1)

    def exit_status(self, timeout=25):
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"scripts/serve did not stop within {timeout} s:\n{self.output()[-3000:]}")

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        self.log.close()


def inquiry_form(site):
    """A fresh form from the site: its CSRF cookie and the form's hidden fields."""
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    connection.request("GET", "/inquire/")
    response = connection.getresponse()
    page = response.read().decode()
    connection.close()
    assert response.status == 200
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie"))[1]
    fields = dict(re.findall(r'name="(csrfmiddlewaretoken|form_token)" value="([^"]*)"', page))
    assert set(fields) == {"csrfmiddlewaretoken", "form_token"}
    return cookie, fields


def post_inquiry(site, cookie, fields):
    """POST the form on a new connection (gunicorn's sync workers take turns accepting them)."""
    body = urlencode(
        {
            **fields,
            "name": "Serve Test",
            "email": "serve.test@example.com",
            "condition": "other",
            "message": "Checking the production-like server end to end.",
            "contact_preference": "email",
            "consent": "on",
        }
    )
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=5)
    connection.request(
        "POST",
        "/inquire/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
        },
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


@pytest.fixture
def serve(instance, tmp_path):
    started = []

    def start(**extra):
        env = production_env(instance, free_port(), **extra)
        site = Site(env, tmp_path / f"serve-{len(started)}.log")
        started.append(site)
        site.wait_until_healthy()
        return site

    yield start
    for site in started:
        site.stop()


def test_serve_runs_web_and_worker_and_stops_both_on_sigterm(serve, smtp_server):
    site = serve(INQUIRY_MIN_SECONDS="0", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp_server.port))

    status, _, body = site.get("/healthz")
    assert status == 200
    assert '"status": "ok"' in body
    master, web_workers, task_worker = site.processes()

    status, _, page = site.get("/inquire/")
    assert status == 200
    stylesheets = re.findall(r'href="(/static/[^"]+\.css)"', page)
    assert stylesheets
    for url in stylesheets:
        # Hashed names (collectstatic's manifest), served by the site itself for a year.
        assert re.search(r"\.[0-9a-f]{12}\.css$", url), url
        status, headers, css = site.get(url)
        assert status == 200, url
        assert "immutable" in headers.get("Cache-Control", ""), headers
        assert css

    # An inquiry's two emails leave through the worker, by SMTP.
    assert post_inquiry(site, *inquiry_form(site)) == 303
    deadline = time.monotonic() + 15
    while len(smtp_server.received) < 2:
        assert time.monotonic() < deadline, f"no emails sent:\n{site.output()[-3000:]}"
        time.sleep(0.1)
    kind = re.compile(r"^<INQ-\w{6}\.(staff|acknowledgement)@127\.0\.0\.1>$")
    recipients = {
        kind.match(item.message["Message-ID"])[1]: item.recipients for item in smtp_server.received
    }
    assert recipients == {
        "staff": ["staff@example.com"],
        "acknowledgement": ["serve.test@example.com"],
    }

    site.process.send_signal(signal.SIGTERM)
    assert site.exit_status() == 0, site.output()[-3000:]
    left = [pid for pid in (master, *web_workers, task_worker) if alive(pid)]
    assert left == [], f"still running after scripts/serve exited: {left}"
    assert "Traceback" not in site.output(), site.output()[-3000:]


def test_serve_stops_the_web_server_when_the_worker_dies(serve):
    site = serve()
    master, web_workers, task_worker = site.processes()

    os.kill(task_worker, signal.SIGKILL)

    # The pair stops with a failure, so that a supervisor notices and restarts it.
    assert site.exit_status() != 0
    left = [pid for pid in (master, *web_workers) if alive(pid)]
    assert left == [], f"still running after scripts/serve exited: {left}"


@pytest.fixture
def redis_db():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    yield client
    client.flushdb()
    client.close()


def test_rate_limit_holds_across_gunicorn_workers(serve, redis_db):
    site = serve(CACHE_URL=REDIS_URL, INQUIRY_RATE_LIMIT="5/10m")
    assert len(site.processes()[1]) == 2

    cookie, fields = inquiry_form(site)

    statuses = [post_inquiry(site, cookie, fields) for _ in range(8)]

    assert statuses == [303] * 5 + [429] * 3, f"{statuses}\n{site.output()[-3000:]}"
    assert redis_db.dbsize() > 0, "the counters should live in the shared Redis cache"
