"""Reading settings from environment variables.

Every helper raises ImproperlyConfigured naming the variable, so a bad deployment fails at start-up
with a message the engineer on call can act on.
"""

import ipaddress
import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.checks.security.base import (
    SECRET_KEY_INSECURE_PREFIX,
    SECRET_KEY_MIN_LENGTH,
    SECRET_KEY_MIN_UNIQUE_CHARACTERS,
)
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

# The value .env.example shows: a copy left unchanged is a key everyone knows.
SECRET_KEY_PLACEHOLDER = "replace-me-with-the-output-of-the-command-above-never-use-this-one"
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


def env_str(name, default=None, *, required=False):
    value = os.environ.get(name, "").strip()
    if value:
        return value
    if required:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return default


def env_secret_key(name):
    """A required secret key that `manage.py check --deploy` would not call weak (W009)."""
    value = env_str(name, required=True)
    if value == SECRET_KEY_PLACEHOLDER:
        problem = "is the placeholder from .env.example"
    elif len(value) < SECRET_KEY_MIN_LENGTH:
        problem = f"is shorter than {SECRET_KEY_MIN_LENGTH} characters"
    elif len(set(value)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        problem = f"has fewer than {SECRET_KEY_MIN_UNIQUE_CHARACTERS} different characters"
    elif value.startswith(SECRET_KEY_INSECURE_PREFIX):
        problem = f"starts with {SECRET_KEY_INSECURE_PREFIX!r}, an example key"
    else:
        return value
    raise ImproperlyConfigured(
        f"{name} {problem}. Generate one: "
        'python -c "import secrets; print(secrets.token_urlsafe(50))"'
    )


def env_bool(name, default):
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}.")


def env_int(name, default, *, minimum=None, maximum=None):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    if maximum is not None and number > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}, not {number}.")
    return number


def env_choice(name, default, choices):
    value = os.environ.get(name, "").strip() or default
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {value!r}.")
    return value


def env_list(name, default=()):
    value = os.environ.get(name, "")
    items = [item.strip() for item in value.split(",") if item.strip()]
    return items or list(default)


def env_emails(name, default=None):
    """A comma-separated list of email addresses; required when there is no default."""
    addresses = env_list(name)
    if not addresses:
        if default is None:
            raise ImproperlyConfigured(
                f"Set {name} to one or more email addresses, comma-separated."
            )
        return list(default)
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            raise ImproperlyConfigured(
                f"{name} has an invalid email address: {address!r}."
            ) from None
    return addresses


def env_networks(name):
    """Comma-separated addresses or CIDR networks (IPv4 or IPv6) as a tuple of ip_network."""
    networks = []
    for item in env_list(name):
        try:
            # A bare address is a network of one; host bits in a CIDR are forgiven (10.0.0.1/8).
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} must list addresses or networks such as 10.0.0.1 or 10.0.0.0/8, "
                f"comma-separated; {item!r} is neither."
            ) from None
    return tuple(networks)


RATE = re.compile(r"^(\d+)\s*/\s*(\d*)\s*([smh])$")
UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600}


def env_rate(name, default):
    """A rate such as 5/10m (five per ten minutes) as (count, seconds), or None for `off`."""
    value = (os.environ.get(name, "").strip() or default).lower()
    if value == "off":
        return None
    match = RATE.match(value)
    if not match or int(match[1]) < 1:
        raise ImproperlyConfigured(
            f"{name} must look like 5/10m (count/period in s, m or h) or off."
        )
    count, period, unit = int(match[1]), int(match[2] or 1), match[3]
    if period < 1:
        raise ImproperlyConfigured(f"{name} needs a period of at least 1{unit}.")
    return count, period * UNIT_SECONDS[unit]


POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql"}


def database_from_url(name, default_sqlite_path: Path):
    """A DATABASES entry from a sqlite:/// or postgres:// URL in the variable `name`.

    dj-database-url reads the URL; this adds the checks it leaves out (only the two engines the
    site is tested on, a file or database named) and the connection settings both engines share.
    """
    url = env_str(name, f"sqlite:///{default_sqlite_path}")
    scheme = urlsplit(url).scheme
    if scheme != "sqlite" and scheme not in POSTGRES_SCHEMES:
        raise ImproperlyConfigured(
            f"{name} must start with sqlite:/// or postgres://, not {scheme!r}."
        )
    try:
        database = dj_database_url.parse(
            url,
            # Persistent connections: a new authenticated connection per request costs over 90 %
            # of the throughput of a simple page (bench/README.md); reopening and setting up a
            # SQLite file each time cost more than serving a kept page (SPEC §11).
            conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600, minimum=0),
            conn_health_checks=True,
        )
    except ValueError:
        raise ImproperlyConfigured(f"{name} has an invalid port or unquoted character.") from None
    if scheme in POSTGRES_SCHEMES:
        if not database["NAME"]:
            raise ImproperlyConfigured(f"{name} must name a database, e.g. postgres://host/clinic.")
        return database
    # sqlite:///var/db.sqlite3 is relative, sqlite:////srv/db.sqlite3 absolute.
    if database.get("HOST"):
        raise ImproperlyConfigured(
            f"{name} must be sqlite:///relative/path or sqlite:////absolute/path."
        )
    if database["NAME"] in {"", ":memory:"}:
        raise ImproperlyConfigured(f"{name} must name a file, e.g. sqlite:///var/db.sqlite3.")
    # The web server and the task worker write to the same file: WAL and immediate
    # transactions avoid "database is locked".
    database["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    return database


def env_site_url(name, default):
    """The site's public http(s) address, without a trailing slash; required without a default."""
    url = env_str(name, default)
    if url is None:
        raise ImproperlyConfigured(
            f"Set {name} to the site's public address, e.g. https://clinic.example."
        )
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ImproperlyConfigured(f"{name} must be an http(s) address, not {url!r}.")
    return url.rstrip("/")


def cache_from_url(*names):
    """The default cache: Redis at the first of the variables `names` that is set, else a table.

    The table is shared by every server process, unlike per-process memory; it needs
    `createcachetable`.
    """
    url = next(filter(None, map(env_str, names)), None)
    if url is None:
        return {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "clinic_cache",
        }
    if urlsplit(url).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"{'/'.join(names)} must be a redis:// address.")
    return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}


def env_mailer(debug):
    """SMTP from the EMAIL_* variables (a local server by default); the console only in debug
    without EMAIL_HOST, so a deployment never prints its emails silently."""
    host = env_str("EMAIL_HOST", "" if debug else "localhost")
    use_tls = env_bool("EMAIL_USE_TLS", False)
    # Read even when unused, so that a bad value fails in debug as it would in production.
    options = {
        "host": host,
        "port": env_int("EMAIL_PORT", 587 if use_tls else 25, minimum=1),
        "username": env_str("EMAIL_HOST_USER", ""),
        "password": env_str("EMAIL_HOST_PASSWORD", ""),
        "use_tls": use_tls,
        # A stuck server must not hold a worker for long; the task retries later.
        "timeout": 20,
    }
    if not host:
        return {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    return {"BACKEND": "clinic.mail.SMTPBackend", "OPTIONS": options}
