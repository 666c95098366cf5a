"""Running the site as `make serve` does, in a subprocess: its environment, the folder it serves
from, the running pair of processes, and requests to it over real HTTP."""

import http.client
import os
import re
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from unittest import mock
from urllib.parse import urlencode

import pytest

from tests.pages import hidden_tokens

BASE_DIR = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _deployment_variables():
    """Every variable .env.example documents, and the others the site or gunicorn read."""
    documented = re.findall(r"(?m)^#? ?([A-Z][A-Z0-9_]*)=", (BASE_DIR / ".env.example").read_text())
    return {*documented, "CACHE_URL", "REDIS_URL", "HOST", "TIME_ZONE", "GUNICORN_CMD_ARGS"}


def production_env(folder, port=None, **extra):
    """The environment of a deployment whose database and static files live in `folder`, with
    nothing from this test run's own settings. With `port` it serves plain HTTP on that loopback
    port, as tests reach it; without, it is the HTTPS site a real deployment is. A value of None
    in `extra` leaves that variable out."""
    # The production settings with STATIC_ROOT in the test's own folder: var/static is shared with
    # whoever else runs `make serve` or collectstatic on this checkout meanwhile.
    (folder / "serve_test_settings.py").write_text(
        f"from clinic.settings import *  # noqa: F403\n\nSTATIC_ROOT = {str(folder / 'static')!r}\n"
    )
    leaked = _deployment_variables()
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "INQUIRY_", "EMAIL_")) and name not in leaked
    }
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=os.urandom(32).hex(),
        SITE_URL="https://clinic.example",
        INQUIRY_NOTIFY_EMAILS="staff@example.com",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        WEB_CONCURRENCY="2",
        PY=sys.executable,
        DJANGO_SETTINGS_MODULE="serve_test_settings",
        PYTHONPATH=os.pathsep.join([str(folder), str(BASE_DIR)]),
    )
    if port is not None:
        env.update(
            SITE_URL=f"http://127.0.0.1:{port}",
            PORT=str(port),
            HOST="127.0.0.1",
            DJANGO_HTTPS="false",
        )
    env.update(extra)
    return {name: value for name, value in env.items() if value is not None}


def production_settings(folder, **extra):
    """The settings module as `production_env(folder, **extra)` makes it, read in this process:
    the settings are plain Python over environment variables, so no subprocess is needed."""
    env = production_env(folder, **extra)
    with mock.patch.dict(os.environ, env, clear=True):
        return runpy.run_path(str(BASE_DIR / "clinic" / "settings.py"))


def manage(env, *args, **options):
    """`manage.py` with these arguments in a process of its own; its output comes in one stream
    unless `options` (for subprocess.Popen) say otherwise."""
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        **{"cwd": BASE_DIR, "env": env, "stdout": subprocess.PIPE, "stderr": subprocess.STDOUT}
        | options,
    )


def finished(process, timeout=60):
    """The output of a process that must succeed."""
    output = process.communicate(timeout=timeout)[0].decode()
    assert process.returncode == 0, output[-3000:]
    return output


def failed(process, timeout=60):
    """The output of a process that must fail."""
    output = process.communicate(timeout=timeout)[0].decode()
    assert process.returncode != 0, output[-3000:]
    return output


def prepare_instance(folder, **extra):
    """`folder` with a migrated database (SQLite in `folder` unless `extra` names another) and
    collected static files, as `make serve` prepares them."""
    env = production_env(folder, **extra)
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
    # Where requests made with connect() come from; any 127.x.y.z address works on loopback.
    client_address = "127.0.0.1"

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

    def connect(self, source=None):
        return http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=5, source_address=(source or self.client_address, 0)
        )

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


def inquiry_form(site, source=None):
    """A fresh form from the site (or anything with its connect()): its CSRF cookie and the
    form's hidden fields."""
    connection = site.connect(source)
    connection.request("GET", "/inquire/")
    response = connection.getresponse()
    page = response.read().decode()
    connection.close()
    assert response.status == 200
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie"))[1]
    return cookie, hidden_tokens(page)


def post_inquiry(site, cookie, fields, source=None, headers=(), **values):
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
            **values,
        }
    )
    connection = site.connect(source)
    connection.request(
        "POST",
        "/inquire/",
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookie}",
            **dict(headers),
        },
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status


def prepare_site(folder, **extra):
    """What `make serve` does before it starts, with the content loaded too; returns the env."""
    prepare_instance(folder, **extra)
    env = production_env(folder, **extra)
    finished(manage(env, "load_content"))
    return env


def empty_redis(url):
    """A Redis database of the test's own, emptied before and after; skips when Redis is down."""
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.flushdb()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not reachable at {url}")
    yield client
    client.flushdb()
    client.close()
