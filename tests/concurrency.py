"""What runs beside a test: threads released together, other processes on the test database."""

import threading
from pathlib import Path
from urllib.parse import quote

from django.db import connection, connections


def at_once(function, count=2, timeout=60):
    """Run `function()` in `count` threads released together, each with its own database
    connection; return what each returned, or raise what one raised."""
    barrier = threading.Barrier(count, timeout=timeout)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(function())
        except Exception as error:  # raised again below, in the test's own thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    return results


def shared_database_url():
    """The test database as a DATABASE_URL another process can open, or None (SQLite in memory)."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        auth = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        host = f"{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}"
        return f"postgres://{auth}@{host}/{quote(db['NAME'], safe='')}"
    if connection.vendor == "sqlite" and not connection.is_in_memory_db():
        return "sqlite:///" + str(Path(db["NAME"]).resolve())
    return None
