"""deploy/nginx.conf in front of `make serve`, with Debian's nginx on loopback (SPEC §11): static
files from disk with long lifetimes, public pages kept and refreshed by their lifetime and ETag,
pages with the form never kept, a body limit, slow clients buffered, and the client's address
passed on in X-Forwarded-For, which the site trusts only from TRUSTED_PROXIES.

Skipped when nginx is not installed (`apt-get install -y nginx`), unless REQUIRE_NGINX=1."""

import http.client
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests import serving
from tests.pages import Page

NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
CONF = Path(settings.BASE_DIR) / "deploy" / "nginx.conf"
# Lifetime of public pages in this test: short, so that expiry can be seen.
LIFETIME = 1

if NGINX is None and os.environ.get("REQUIRE_NGINX") != "1":
    pytest.skip(
        "nginx is not installed (apt-get install -y nginx); REQUIRE_NGINX=1 makes this a failure",
        allow_module_level=True,
    )


def filled_in(run_dir, listen, upstream, static_root):
    """deploy/nginx.conf with its ${CLINIC_...} values filled in, as envsubst would."""
    values = {
        "CLINIC_LISTEN": listen,
        "CLINIC_SERVER_NAME": "127.0.0.1",
        "CLINIC_UPSTREAM": upstream,
        "CLINIC_STATIC_ROOT": str(static_root),
        "CLINIC_RUN_DIR": str(run_dir),
    }
    text = CONF.read_text()
    for name, value in values.items():
        text = text.replace("${" + name + "}", value)
    assert not re.search(r"(?m)^[^#]*\$\{", text), "a value the file asks for is not filled in"
    # Run as root (as the test does), nginx's workers would otherwise read the test's private
    # folders as nobody.
    return ("user root;\n" if os.geteuid() == 0 else "") + text


@pytest.fixture(scope="module")
def front(tmp_path_factory):
    assert NGINX, "nginx is required (REQUIRE_NGINX=1): apt-get install -y nginx"
    folder = tmp_path_factory.mktemp("nginx")
    shared = {
        "PAGE_CACHE_SECONDS": str(LIFETIME),
        "WEB_CONCURRENCY": "1",  # one sync worker: a slow client could hold it
        "INQUIRY_MIN_SECONDS": "0",
        "INQUIRY_RATE_LIMIT": "5/10m",
        # nginx connects from 127.0.0.1: only then does the site read the address it appended.
        "TRUSTED_PROXIES": "127.0.0.1",
    }
    env = serving.prepare_site(folder, **shared)
    site = serving.Site(
        serving.production_env(folder, serving.free_port(), **shared), folder / "site.log"
    )
    run_dir = folder / "run"
    run_dir.mkdir()
    port = serving.free_port()
    conf = folder / "nginx.conf"
    conf.write_text(
        filled_in(run_dir, f"127.0.0.1:{port}", f"127.0.0.1:{site.port}", folder / "static")
    )
    nginx = None
    try:
        site.wait_until_healthy()
        nginx = subprocess.Popen(
            [NGINX, "-c", str(conf), "-p", str(run_dir), "-g", "daemon off;"],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 10
        while True:
            assert nginx.poll() is None, nginx.communicate()[0].decode()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not start"
                time.sleep(0.05)
        yield Front(port, env, folder, site)
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(timeout=10)
        site.stop()


class Front:
    def __init__(self, port, env, folder, site):
        self.port, self.env, self.folder, self.site = port, env, folder, site

    def connect(self, source=None):
        return http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=10, source_address=(source or "127.0.0.1", 0)
        )

    def request(self, method, path, body=None, headers=None, source=None):
        connection = self.connect(source)
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
        connection.close()
        return response, content


def test_static_files_come_from_disk_with_a_long_lifetime(front):
    # A file whitenoise has never seen: only nginx can serve it.
    (front.folder / "static" / "css" / "extra.0123456789ab.css").write_text("p { margin: 0 }")
    page = Page(front.request("GET", "/")[1].decode())
    [stylesheet] = [
        link.attrs["href"]
        for link in page.find_all("link", rel="stylesheet")
        if re.fullmatch(r"/static/css/site\.[0-9a-f]{12}\.css", link.attrs["href"])
    ]

    response, css = front.request("GET", stylesheet, headers={"Accept-Encoding": "gzip"})
    extra, extra_css = front.request("GET", "/static/css/extra.0123456789ab.css")

    assert response.status == 200
    assert css
    assert response.getheader("Cache-Control") == "public, max-age=31536000, immutable"
    assert extra.status == 200
    assert extra_css == b"p { margin: 0 }"


def test_a_public_page_is_kept_then_refreshed_by_its_lifetime_and_etag(front):
    first, body = front.request("GET", "/research/")
    second, kept = front.request("GET", "/research/")

    assert first.status == second.status == 200
    assert second.getheader("X-Cache-Status") == "HIT", second.getheaders()
    assert kept == body

    # nginx counts whole seconds: past the lifetime whatever the fraction at the first request.
    time.sleep(LIFETIME + 1.1)
    third, refreshed = front.request("GET", "/research/")

    # Unchanged: the site answered nginx's If-None-Match with 304.
    assert third.getheader("X-Cache-Status") == "REVALIDATED"
    assert refreshed == body


def test_an_edit_shows_through_nginx_once_the_lifetime_ends(front, tmp_path):
    front.request("GET", "/conditions/")
    assert front.request("GET", "/conditions/")[0].getheader("X-Cache-Status") == "HIT"
    content = tmp_path / "content"
    shutil.copytree(settings.CONTENT_DIR, content)
    condition = next((content / "conditions").glob("*.md"))
    condition.write_text(
        re.sub(r'(?m)^summary = "', 'summary = "Edited. ', condition.read_text(), count=1)
    )
    serving.finished(serving.manage(front.env, "load_content", str(content)))

    time.sleep(LIFETIME + 1.1)
    response, body = front.request("GET", "/conditions/")

    assert response.getheader("X-Cache-Status") == "EXPIRED"
    assert b"Edited. " in body


@pytest.mark.parametrize("path", ["/inquire/", "/conditions/systemic-lupus-erythematosus/"])
def test_a_page_with_the_form_is_never_kept(front, path):
    tokens = set()
    for _ in range(2):
        response, body = front.request("GET", path)
        assert response.status == 200
        assert response.getheader("X-Cache-Status") != "HIT"
        assert "csrftoken=" in response.getheader("Set-Cookie")
        tokens.add(Page(body.decode()).find("input", name="form_token").attrs["value"])
    assert len(tokens) == 2


def test_a_large_body_is_refused_before_it_reaches_the_site(front):
    response, _ = front.request(
        "POST",
        "/inquire/",
        body=b"message=" + b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )

    assert response.status == 413


def test_a_slow_client_does_not_hold_the_sites_only_worker(front):
    slow = socket.create_connection(("127.0.0.1", front.port), timeout=10)
    try:
        slow.sendall(
            b"POST /inquire/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n"
            b"name=Slow"
        )
        started = time.monotonic()
        response, body = front.request("GET", "/healthz")
        assert response.status == 200
        # gunicorn's worker would otherwise wait for the rest of the body (30 s timeout).
        assert time.monotonic() - started < 10
    finally:
        slow.close()


def test_the_site_counts_each_client_behind_nginx_by_its_own_address(front):
    """Posts from one client count against it whatever X-Forwarded-For it forges; another
    client, behind the same proxy, is not limited."""
    statuses = [post_from(front, "127.0.0.3", forged=f"203.0.113.{n}") for n in range(6)]
    other = post_from(front, "127.0.0.4", forged="127.0.0.3")

    assert statuses == [303] * 5 + [429], statuses
    assert other == 303


def post_from(front, source, forged):
    cookie, fields = serving.inquiry_form(front, source)
    return serving.post_inquiry(front, cookie, fields, source, {"X-Forwarded-For": forged})
