"""`make serve`: scripts/serve runs gunicorn and the task worker side by side with production
settings, answers, and stops both cleanly on SIGTERM; the inquiry rate limit holds across
gunicorn's worker processes (SPEC §3, §8, §10).
"""

import os
import re
import signal
import time

import pytest

from tests.pages import find_all, parse
from tests.serving import alive, empty_redis, inquiry_form, post_inquiry

REDIS_URL = "redis://127.0.0.1:6379/15"


def test_serve_runs_web_and_worker_and_stops_both_on_sigterm(serve, smtp_server):
    site = serve(INQUIRY_MIN_SECONDS="0", EMAIL_HOST="127.0.0.1", EMAIL_PORT=str(smtp_server.port))

    status, _, body = site.get("/healthz")
    assert status == 200
    assert '"status": "ok"' in body
    master, web_workers, task_worker = site.processes()

    status, _, page = site.get("/inquire/")
    assert status == 200
    stylesheets = [link.attrs["href"] for link in find_all(parse(page), "link", rel="stylesheet")]
    assert stylesheets and all(url.startswith("/static/") for url in stylesheets), stylesheets
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
    yield from empty_redis(REDIS_URL)


def test_rate_limit_holds_across_gunicorn_workers(serve, redis_db):
    site = serve(CACHE_URL=REDIS_URL, INQUIRY_RATE_LIMIT="5/10m")
    assert len(site.processes()[1]) == 2

    cookie, fields = inquiry_form(site)

    statuses = [post_inquiry(site, cookie, fields) for _ in range(8)]

    assert statuses == [303] * 5 + [429] * 3, f"{statuses}\n{site.output()[-3000:]}"
    assert redis_db.dbsize() > 0, "the counters should live in the shared Redis cache"
