"""Lighthouse scores of the main pages, on the site as `make serve` runs it.

Starts `make serve` on a free port with a throwaway SQLite database, runs the pinned Lighthouse
(bench/lighthouse/package.json) on Debian's Chromium with mobile simulated throttling, prints the
four category scores of each page, writes a JSON summary and exits 1 when any score is below the
bar. Lighthouse's performance score moves between runs on a shared machine, so each page is run
LIGHTHOUSE_RUNS times (default 3) and the median of each category is kept.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
CHROMIUM = "/usr/bin/chromium"
LIGHTHOUSE = HERE / "node_modules" / ".bin" / "lighthouse"
PAGES = [
    "/",
    "/conditions/systemic-lupus-erythematosus/",
    "/research/",
    "/research/wang-2018-long-term-follow-up/",
    "/inquire/",
]
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
BAR = 0.95
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking "
    "--disable-component-update --disable-sync --no-first-run"
)
ATTEMPTS = 3
# Migrations, collectstatic and load_content run before the server answers.
START_TIMEOUT = 180


def ensure_tools():
    if not Path(CHROMIUM).exists():
        print("Installing Debian's Chromium.", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "chromium"],
            check=True,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        )
    if not LIGHTHOUSE.exists():
        print("Installing Lighthouse from bench/lighthouse/package-lock.json.", flush=True)
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(port, workdir):
    """`make serve` in its own process group, so that stopping it stops gunicorn and the worker."""
    inherited = ("DJANGO_", "SITE_", "INQUIRY_", "EMAIL_", "DATABASE_", "CACHE_URL", "REDIS_URL")
    env = {name: value for name, value in os.environ.items() if not name.startswith(inherited)}
    env.update(
        DJANGO_SECRET_KEY=secrets.token_urlsafe(48),
        SITE_URL=f"http://127.0.0.1:{port}",
        DJANGO_HTTPS="false",
        INQUIRY_NOTIFY_EMAILS="x@example.com",
        DATABASE_URL=f"sqlite:///{workdir / 'db.sqlite3'}",
        DJANGO_LOG_LEVEL="WARNING",
        HOST="127.0.0.1",
        PORT=str(port),
    )
    log = (workdir / "serve.log").open("w")
    server = subprocess.Popen(
        ["make", "--no-print-directory", "serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.5)
    stop(server)
    sys.exit(f"make serve did not answer; its output is in {workdir / 'serve.log'}")


def stop(server):
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def lighthouse(url, report):
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    # On a busy machine Chromium sometimes loses the trace (NO_NAVSTART); that run is repeated.
    for _ in range(ATTEMPTS):
        if subprocess.run(command, env=env).returncode == 0:
            break
        print(f"Lighthouse failed on {url}; trying again.", flush=True)
    else:
        sys.exit(f"Lighthouse failed {ATTEMPTS} times on {url}.")
    result = json.loads(report.read_text())
    # A category Lighthouse could not score has none: count it as failing.
    scores = {name: result["categories"][name]["score"] or 0 for name in CATEGORIES}
    # How fast Chromium found the CPU: low values mean a busy machine and a pessimistic score.
    scores["benchmark_index"] = result["environment"]["benchmarkIndex"]
    return result, scores


def main():
    runs = int(os.environ.get("LIGHTHOUSE_RUNS", "3"))
    out = Path(os.environ.get("LIGHTHOUSE_OUT", ROOT / "var" / "lighthouse"))
    out.mkdir(parents=True, exist_ok=True)
    ensure_tools()
    load_before = os.getloadavg()[0]
    workdir = Path(tempfile.mkdtemp(prefix="clinic-lighthouse-"))
    port = free_port()
    server = serve(port, workdir)
    chromium = subprocess.run([CHROMIUM, "--version"], capture_output=True, text=True).stdout
    pages, versions = {}, {"chromium": chromium.strip()}
    try:
        # Each gunicorn worker loads its templates on its first requests, which visitors rarely see.
        for path in PAGES * 2:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=30):
                pass
        for path in PAGES:
            name = path.strip("/").replace("/", "-") or "home"
            each = []
            for attempt in range(1, runs + 1):
                report = out / f"{name}-{attempt}.json"
                result, scores = lighthouse(f"http://127.0.0.1:{port}{path}", report)
                versions["lighthouse"] = result["lighthouseVersion"]
                each.append(scores)
            pages[path] = {
                "median": {c: statistics.median(s[c] for s in each) for c in CATEGORIES},
                "runs": each,
            }
    finally:
        stop(server)
        shutil.rmtree(workdir, ignore_errors=True)

    summary = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "load_average": {"before": load_before, "after": os.getloadavg()[0]},
        "runs_per_page": runs,
        "throttling": "Lighthouse default: mobile, simulated",
        **versions,
        "bar": BAR,
        "pages": pages,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")

    print(f"{'page':45} " + " ".join(f"{c:>14}" for c in CATEGORIES))
    failing = []
    for path, page in pages.items():
        print(f"{path:45} " + " ".join(f"{page['median'][c]:>14.2f}" for c in CATEGORIES))
        failing += [f"{path} {c}" for c in CATEGORIES if page["median"][c] < BAR]
    print(f"Median of {runs} run(s) a page; summary in {out / 'summary.json'}")
    if failing:
        print(f"Below {BAR}: " + ", ".join(failing))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
