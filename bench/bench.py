"""`make bench`: requests per second and latency of every public page and of inquiry intake, each
as a ratio to a bare WSGI app under the same gunicorn, measured with wrk in one interleaved run.

bench/run prepares the database and the environment, then runs this. Everything stays on
127.0.0.1. Writes bench/results/latest.json.
"""

import datetime
import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
SITE_PORT = int(os.environ.get("BENCH_PORT", "8765"))
HELLO_PORT = SITE_PORT + 1
SECONDS = int(os.environ.get("BENCH_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "2"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
THREADS = 2
WORKERS = os.environ.get("WEB_CONCURRENCY", "2")
SLE = "/conditions/systemic-lupus-erythematosus/"
STUDY = "/research/wang-2018-long-term-follow-up/"
PAGES = {
    "home": "/",
    "conditions": "/conditions/",
    "sle": SLE,
    "research": "/research/",
    "research-sle": "/research/?condition=systemic-lupus-erythematosus",
    "study": STUDY,
    "study-ris": STUDY + "cite.ris",
    "study-bib": STUDY + "cite.bib",
    "inquire": "/inquire/",
    "privacy": "/privacy/",
    "sitemap": "/sitemap.xml",
    "robots": "/robots.txt",
}
GOALS = {"page_ratio": 0.20, "sle_ratio": 0.25, "p99_ms": 50, "intake_per_s": 150}


def gunicorn(app, port, log):
    return subprocess.Popen(
        [PY, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers", WORKERS,
         "--log-level", "warning", "--chdir", str(ROOT)],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip


def wait_for(port, path):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    sys.exit(f"nothing answers on port {port}")


def wrk(port, path, *, script="report.lua", args=()):
    command = [
        "wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--timeout", "10s",
        "-s", str(BENCH / script), f"http://127.0.0.1:{port}{path}",
    ]  # fmt: skip
    if args:
        command += ["--", *args]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(re.search(r"^BENCH (.*)$", output, re.M)[1])


def fetch_forms(count, path):
    """Fetch the form `count` times: one line "csrfcookie field=value&…" each, as wrk sends it."""
    fields = {
        "name": "Bench Patient",
        "email": "bench@example.com",
        "condition": "other",
        "message": "Measuring how many inquiries the site takes each second.",
        "contact_preference": "email",
        "consent": "on",
    }
    with open(path, "w") as out:
        for _ in range(count):
            connection = http.client.HTTPConnection("127.0.0.1", SITE_PORT, timeout=10)
            connection.request("GET", "/inquire/")
            response = connection.getresponse()
            page = response.read().decode()
            cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie"))[1]
            hidden = dict(
                re.findall(r'name="(csrfmiddlewaretoken|form_token)" value="([^"]*)"', page)
            )
            out.write(f"{cookie} {urlencode({**hidden, **fields})}\n")


def stored():
    """(inquiries stored, their email deliveries, queued tasks), from the database."""
    code = (
        "from inquiries.models import Inquiry, EmailDelivery; "
        "from django_tasks_db.models import DBTaskResult; "
        "print(Inquiry.objects.exclude(status='spam').count(), EmailDelivery.objects.count(), "
        "DBTaskResult.objects.count())"
    )
    output = subprocess.run(
        [PY, "manage.py", "shell", "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return tuple(int(n) for n in output[-3:])


def machine():
    model = ""
    try:
        model = re.search(r"model name\s*:\s*(.*)", Path("/proc/cpuinfo").read_text())[1]
    except (OSError, TypeError):
        pass
    return {
        "cpu": model or platform.processor(),
        "cores": os.cpu_count(),
        "os": platform.platform(),
    }


def main():
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    targets = {"bare-wsgi": (HELLO_PORT, "/"), "healthz": (SITE_PORT, "/healthz")}
    targets.update({name: (SITE_PORT, path) for name, path in PAGES.items()})
    runs = {name: [] for name in [*targets, "intake"]}
    logs = open(ROOT / "var" / "bench-servers.log", "w")
    servers = [
        gunicorn("clinic.wsgi:application", SITE_PORT, logs),
        gunicorn("bench.hello:application", HELLO_PORT, logs),
    ]
    # A file of forms for each round: a form posted twice is found as the first inquiry, not stored
    # again, and would look lost.
    forms = [
        tempfile.NamedTemporaryFile("w", suffix=".forms", delete=False).name for _ in range(ROUNDS)
    ]
    try:
        wait_for(SITE_PORT, "/healthz")
        wait_for(HELLO_PORT, "/")
        for _, (port, path) in targets.items():  # warm up: each page rendered once
            wrk_once = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            wrk_once.request("GET", path)
            assert wrk_once.getresponse().status == 200, path
        # Enough forms for the fastest intake the machine could reach.
        for round_forms in forms:
            fetch_forms(int(os.environ.get("BENCH_FORMS", 600 * SECONDS)), round_forms)
        before = stored()
        for round_number in range(ROUNDS):
            print(f"round {round_number + 1} of {ROUNDS}", file=sys.stderr)
            for name, (port, path) in targets.items():
                runs[name].append(wrk(port, path))
            runs["intake"].append(
                wrk(
                    SITE_PORT,
                    "/inquire/",
                    script="intake.lua",
                    args=(forms[round_number], str(THREADS)),
                )
            )
        after = stored()
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)
        for round_forms in forms:
            os.unlink(round_forms)

    results = summarise(runs, targets)
    accepted = sum(run["accepted"] for run in runs["intake"])
    seconds = sum(run["seconds"] for run in runs["intake"])
    new = [a - b for a, b in zip(after, before, strict=True)]
    intake = {
        "accepted_per_s": round(accepted / seconds, 1),
        "answered_303": accepted,
        # Posts still in flight when a run ends are stored without wrk reading the answer.
        "stored": new[0],
        "deliveries": new[1],
        "tasks_queued": new[2],
        # An answered post that is not in the database, or an inquiry without its two emails.
        "lost": max(0, accepted - new[0]) + abs(2 * new[0] - new[1]),
        "p99_ms": max(run["p99_ms"] for run in runs["intake"]),
        "p50_ms": max(run["p50_ms"] for run in runs["intake"]),
    }
    report = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "database": os.environ.get("DATABASE_URL", "").split("://")[0],
        "cache": "redis" if os.environ.get("CACHE_URL") else "database",
        "gunicorn_workers": int(WORKERS),
        "connections": CONNECTIONS,
        "seconds_per_run": SECONDS,
        "rounds": ROUNDS,
        "pages": results,
        "intake": intake,
        "goals": GOALS,
    }
    (BENCH / "results").mkdir(exist_ok=True)
    (BENCH / "results" / "latest.json").write_text(json.dumps(report, indent=2) + "\n")
    show(report)


def summarise(runs, targets):
    results = {}
    for name in targets:
        done = runs[name]
        requests = sum(run["requests"] for run in done)
        seconds = sum(run["seconds"] for run in done)
        results[name] = {
            "path": targets[name][1],
            "requests_per_s": round(requests / seconds, 1),
            # The worst round: a goal must hold in each.
            "p50_ms": max(run["p50_ms"] for run in done),
            "p99_ms": max(run["p99_ms"] for run in done),
            "errors": sum(run["errors"] for run in done),
        }
    bare = results["bare-wsgi"]["requests_per_s"]
    for result in results.values():
        result["ratio"] = round(result["requests_per_s"] / bare, 3)
    return results


def show(report):
    print(
        f"{report['machine']['cores']} cores, {report['database']} database, "
        f"{report['cache']} cache, {report['gunicorn_workers']} gunicorn workers, "
        f"wrk -t{THREADS} -c{report['connections']}, {report['rounds']} rounds of "
        f"{report['seconds_per_run']} s"
    )
    print(f"{'page':62} {'req/s':>8} {'ratio':>6} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6}")
    for name, result in report["pages"].items():
        goal = GOALS["sle_ratio"] if name == "sle" else GOALS["page_ratio"]
        met = name in {"bare-wsgi", "healthz"} or (
            result["ratio"] >= goal and result["p99_ms"] <= GOALS["p99_ms"]
        )
        print(
            f"{name + ' ' + result['path']:62} {result['requests_per_s']:8.0f} "
            f"{result['ratio']:6.3f} {result['p50_ms']:7.1f} {result['p99_ms']:7.1f} "
            f"{result['errors']:6d}{'' if met else '  below goal'}"
        )
    intake = report["intake"]
    print(
        f"intake: {intake['accepted_per_s']:.0f} accepted submissions/s "
        f"(goal {GOALS['intake_per_s']}), {intake['stored']} stored with "
        f"{intake['deliveries']} emails and {intake['tasks_queued']} tasks queued, "
        f"{intake['lost']} lost, "
        f"p50 {intake['p50_ms']:.1f} ms, p99 {intake['p99_ms']:.1f} ms"
    )
    print("written to bench/results/latest.json")


if __name__ == "__main__":
    main()
