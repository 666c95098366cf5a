"""Requests per second and latency of the public pages, as served by gunicorn.

Usage: python bench/load.py BASE_URL [--seconds N] [--connections N]
`make bench` starts a production-like server and runs this against it (see bench/README.md).
"""

import argparse
import http.client
import statistics
import threading
import time
from urllib.parse import urlsplit

PAGES = [
    "/",
    "/conditions/systemic-lupus-erythematosus/",
    "/research/",
    "/research/wang-2018-long-term-follow-up/",
    "/inquire/",
    "/healthz",
]


def hammer(base, path, seconds, results, errors):
    parts = urlsplit(base)
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        # gunicorn's sync workers close each connection, so every request opens a new one.
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        started = time.perf_counter()
        try:
            connection.request("GET", path, headers={"Host": parts.netloc})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(response.status)
                continue
        except OSError as error:
            errors.append(type(error).__name__)
            continue
        finally:
            connection.close()
        results.append(time.perf_counter() - started)


def measure(base, path, seconds, connections):
    results, errors = [], []
    threads = [
        threading.Thread(target=hammer, args=(base, path, seconds, results, errors))
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()

    print(f"{args.connections} connections, {args.seconds:g} s a page, against {args.base_url}")
    print(f"{'page':45} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7}")
    for path in PAGES:
        results, errors = measure(args.base_url, path, args.seconds, args.connections)
        if not results:
            print(f"{path:45} {'-':>8} {'-':>8} {'-':>8} {len(errors):>7}")
            continue
        p95 = statistics.quantiles(results, n=20)[-1] if len(results) >= 20 else max(results)
        print(
            f"{path:45} {len(results) / args.seconds:8.0f} "
            f"{statistics.median(results) * 1000:8.1f} {p95 * 1000:8.1f} {len(errors):>7}"
        )


if __name__ == "__main__":
    main()
