"""Settings from environment variables (SPEC §10): the helpers in clinic/env.py, and start-up that
fails with a message naming the variable when a value is missing or malformed."""

import os
import secrets
import signal
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from clinic.env import database_from_url, env_bool, env_int, env_list, env_str
from tests.serving import failed, finished, free_port, manage, production_env, production_settings

VAR = "CLINIC_TEST_SETTING"


@pytest.fixture
def set_to(monkeypatch):
    """Gives the variable a value, or none at all for None."""

    def set_to(value):
        if value is None:
            monkeypatch.delenv(VAR, raising=False)
        else:
            monkeypatch.setenv(VAR, value)

    return set_to


# --- env_bool ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "meaning"),
    [(v, True) for v in ["1", "true", "True", "YES", "on", " true "]]
    + [(v, False) for v in ["0", "false", "FALSE", "no", "Off", " no "]],
)
def test_env_bool_reads_yes_and_no_words(monkeypatch, value, meaning):
    monkeypatch.setenv(VAR, value)
    assert env_bool(VAR, not meaning) is meaning


@pytest.mark.parametrize("value", [None, "", "   "])
def test_env_bool_falls_back_to_the_default_when_unset_or_blank(set_to, value):
    set_to(value)
    assert env_bool(VAR, True) is True
    assert env_bool(VAR, False) is False


@pytest.mark.parametrize("value", ["maybe", "2", "tru", "y es", "enabled"])
def test_env_bool_rejects_anything_else_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv(VAR, value)
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_bool(VAR, False)


# --- env_int -------------------------------------------------------------------------------------


def test_env_int_reads_whole_numbers(monkeypatch):
    monkeypatch.setenv(VAR, " 587 ")
    assert env_int(VAR, 25) == 587


@pytest.mark.parametrize("value", [None, ""])
def test_env_int_falls_back_to_the_default(set_to, value):
    set_to(value)
    assert env_int(VAR, 25) == 25


@pytest.mark.parametrize("value", ["abc", "4.5", "1e3", "10 minutes", "0x10"])
def test_env_int_rejects_non_numbers_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv(VAR, value)
    with pytest.raises(ImproperlyConfigured, match=f"{VAR} must be a whole number"):
        env_int(VAR, 25)


def test_env_int_enforces_a_minimum_naming_the_variable(monkeypatch):
    monkeypatch.setenv(VAR, "0")
    with pytest.raises(ImproperlyConfigured, match=f"{VAR} must be at least 1"):
        env_int(VAR, 25, minimum=1)
    monkeypatch.setenv(VAR, "1")
    assert env_int(VAR, 25, minimum=1) == 1


def test_env_int_enforces_a_maximum_naming_the_variable(monkeypatch):
    monkeypatch.setenv(VAR, "24")
    with pytest.raises(ImproperlyConfigured, match=f"{VAR} must be at most 23"):
        env_int(VAR, 8, minimum=0, maximum=23)
    monkeypatch.setenv(VAR, "23")
    assert env_int(VAR, 8, minimum=0, maximum=23) == 23


# --- env_list and env_str ------------------------------------------------------------------------


def test_env_list_splits_on_commas_and_trims(monkeypatch):
    monkeypatch.setenv(VAR, " clinic.example, www.clinic.example ,,")
    assert env_list(VAR) == ["clinic.example", "www.clinic.example"]


@pytest.mark.parametrize("value", [None, "", " , ,"])
def test_env_list_falls_back_to_the_default(set_to, value):
    set_to(value)
    assert env_list(VAR, ["a"]) == ["a"]
    assert env_list(VAR) == []


def test_env_str_requires_a_value_when_asked(monkeypatch):
    monkeypatch.setenv(VAR, "  ")
    with pytest.raises(ImproperlyConfigured, match=VAR):
        env_str(VAR, required=True)
    monkeypatch.setenv(VAR, " value ")
    assert env_str(VAR, required=True) == "value"


# --- database_from_url ---------------------------------------------------------------------------


def test_without_database_url_it_uses_the_default_sqlite_file(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    database = database_from_url("DATABASE_URL", Path("/srv/clinic/var/db.sqlite3"))
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == "/srv/clinic/var/db.sqlite3"


def test_sqlite_url_with_three_slashes_is_a_relative_path(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/db.sqlite3")
    database = database_from_url("DATABASE_URL", Path("unused"))
    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == "var/db.sqlite3"


def test_sqlite_url_with_four_slashes_is_an_absolute_path(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/clinic/db.sqlite3")
    assert database_from_url("DATABASE_URL", Path("unused"))["NAME"] == "/srv/clinic/db.sqlite3"


def test_sqlite_url_without_a_file_is_rejected(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL must name a file"):
        database_from_url("DATABASE_URL", Path("unused"))


def test_sqlite_url_with_a_host_part_is_rejected(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite://var/db.sqlite3")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        database_from_url("DATABASE_URL", Path("unused"))


def test_postgres_url_gives_every_connection_detail(monkeypatch):
    monkeypatch.setenv(
        "DATABASE_URL",
        "postgres://clinic:s%40cret%3Aword@db.example:5433/clinic_db"
        "?sslmode=require&connect_timeout=5",
    )
    monkeypatch.delenv("DATABASE_CONN_MAX_AGE", raising=False)
    database = database_from_url("DATABASE_URL", Path("unused"))
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert database["NAME"] == "clinic_db"
    assert database["USER"] == "clinic"
    assert database["PASSWORD"] == "s@cret:word"
    assert database["HOST"] == "db.example"
    assert database["PORT"] == 5433
    assert database["OPTIONS"] == {"sslmode": "require", "connect_timeout": 5}
    assert database["CONN_MAX_AGE"] == 600


@pytest.mark.parametrize("scheme", ["postgres", "postgresql", "pgsql"])
def test_postgres_url_without_user_or_port_uses_defaults(monkeypatch, scheme):
    monkeypatch.setenv("DATABASE_URL", f"{scheme}://127.0.0.1/clinic")
    database = database_from_url("DATABASE_URL", Path("unused"))
    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["USER"], database["PASSWORD"], database["PORT"]) == ("", "", "")
    assert database["HOST"] == "127.0.0.1"
    assert "OPTIONS" not in database


def test_postgres_url_can_name_a_unix_socket_folder(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://%2Fvar%2Frun%2Fpostgresql/clinic")
    assert database_from_url("DATABASE_URL", Path("unused"))["HOST"] == "/var/run/postgresql"


def test_database_conn_max_age_is_read_and_checked(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://h/clinic")
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "0")
    assert database_from_url("DATABASE_URL", Path("unused"))["CONN_MAX_AGE"] == 0
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "-1")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_CONN_MAX_AGE"):
        database_from_url("DATABASE_URL", Path("unused"))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://db.example/clinic", "DATABASE_URL must start with sqlite:/// or postgres://"),
        ("db.example/clinic", "DATABASE_URL must start with"),
        ("postgres://u@db.example:abc/clinic", "DATABASE_URL has an invalid port"),
        ("postgres://u@db.example:99999/clinic", "DATABASE_URL has an invalid port"),
        ("postgres://db.example", "DATABASE_URL must name a database"),
        ("postgres://db.example/", "DATABASE_URL must name a database"),
    ],
)
def test_bad_database_urls_fail_naming_the_variable(monkeypatch, url, message):
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ImproperlyConfigured, match=message):
        database_from_url("DATABASE_URL", Path("unused"))


# --- Start-up in production -------------------------------------------------------------------


def read_settings(tmp_path, **variables):
    """The settings a deployment with these variables gets (None leaves one out)."""
    return production_settings(tmp_path, **{"EMAIL_HOST": "smtp.clinic.example", **variables})


@pytest.mark.parametrize("hsts_preload", ["false", "true"])
def test_a_complete_production_environment_passes_the_deploy_checks(tmp_path, hsts_preload):
    env = production_env(
        tmp_path, EMAIL_HOST="smtp.clinic.example", DJANGO_HSTS_PRELOAD=hsts_preload
    )
    output = finished(manage(env, "check", "--deploy", "--fail-level", "WARNING"), timeout=120)
    assert "WARNING" not in output
    assert "System check identified no issues" in output


def test_production_start_up_fails_naming_a_missing_variable(tmp_path):
    env = production_env(tmp_path, DJANGO_SECRET_KEY=None)
    output = failed(manage(env, "check"), timeout=120)
    assert "ImproperlyConfigured" in output
    assert "DJANGO_SECRET_KEY" in output.split("ImproperlyConfigured")[-1]


def test_debug_mode_starts_without_a_secret_key_or_site_url(tmp_path):
    values = read_settings(
        tmp_path,
        DJANGO_DEBUG="true",
        DJANGO_SECRET_KEY=None,
        SITE_URL=None,
        INQUIRY_NOTIFY_EMAILS=None,
        EMAIL_HOST=None,
    )
    assert values["DEBUG"] is True


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
        ({"SITE_URL": None}, "SITE_URL"),
        ({"INQUIRY_NOTIFY_EMAILS": None}, "INQUIRY_NOTIFY_EMAILS"),
        # Debug is off unless asked for: then the secret key is required.
        ({"DJANGO_DEBUG": None, "DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_SECRET_KEY": "   "}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({"DJANGO_HTTPS": "perhaps"}, "DJANGO_HTTPS"),
        ({"DJANGO_HSTS_PRELOAD": "soon"}, "DJANGO_HSTS_PRELOAD"),
        ({"DJANGO_LOG_LEVEL": "LOUD"}, "DJANGO_LOG_LEVEL"),
        ({"SITE_URL": "ftp://x"}, "SITE_URL"),
        ({"SITE_URL": "clinic.example"}, "SITE_URL"),
        ({"SITE_URL": "https://"}, "SITE_URL"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL"),
        ({"DATABASE_URL": "postgres://u@h:port/clinic"}, "DATABASE_URL"),
        (
            {"DATABASE_URL": "postgres://127.0.0.1/clinic", "DATABASE_CONN_MAX_AGE": "forever"},
            "DATABASE_CONN_MAX_AGE must be a whole number",
        ),
        ({"CACHE_URL": "memcached://127.0.0.1:11211"}, "CACHE_URL"),
        ({"REDIS_URL": "http://127.0.0.1:6379"}, "REDIS_URL"),
        ({"EMAIL_USE_TLS": "sometimes"}, "EMAIL_USE_TLS"),
        ({"EMAIL_PORT": "abc"}, "EMAIL_PORT must be a whole number"),
        # Even when nothing would connect to that port.
        ({"EMAIL_PORT": "abc", "EMAIL_HOST": None}, "EMAIL_PORT"),
        ({"EMAIL_PORT": "abc", "EMAIL_HOST": None, "DJANGO_DEBUG": "true"}, "EMAIL_PORT"),
        (
            {"INQUIRY_NOTIFY_EMAILS": "coordinators@clinic.example, not-an-address"},
            "INQUIRY_NOTIFY_EMAILS",
        ),
        ({"INQUIRY_EMAIL_INCLUDE_DETAILS": "partly"}, "INQUIRY_EMAIL_INCLUDE_DETAILS"),
        ({"INQUIRY_RETENTION_DAYS": "two years"}, "INQUIRY_RETENTION_DAYS"),
        ({"INQUIRY_RETENTION_DAYS": "0"}, "INQUIRY_RETENTION_DAYS"),
        ({"INQUIRY_RATE_LIMIT": "lots"}, "INQUIRY_RATE_LIMIT"),
        ({"INQUIRY_MIN_SECONDS": "-1"}, "INQUIRY_MIN_SECONDS"),
        ({"TRUSTED_PROXIES": "nginx"}, "TRUSTED_PROXIES"),
        ({"STAFF_SESSION_HOURS": "0"}, "STAFF_SESSION_HOURS"),
        ({"STAFF_SESSION_HOURS": "a day"}, "STAFF_SESSION_HOURS"),
        ({"INQUIRY_REPLY_TO": "coordinators at the clinic"}, "INQUIRY_REPLY_TO"),
        ({"INQUIRY_REMINDER_HOUR": "24"}, "INQUIRY_REMINDER_HOUR"),
        ({"INQUIRY_REMINDER_HOUR": "eight"}, "INQUIRY_REMINDER_HOUR"),
    ],
)
def test_start_up_fails_naming_a_missing_or_malformed_variable(tmp_path, variables, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        read_settings(tmp_path, **variables)


def test_replies_go_to_the_sender_unless_set_and_reminders_come_at_eight(tmp_path):
    sender = "Clinic <hello@clinic.example>"
    values = read_settings(tmp_path, DEFAULT_FROM_EMAIL=sender)
    assert (values["INQUIRY_REPLY_TO"], values["INQUIRY_REMINDER_HOUR"]) == ([sender], 8)

    values = read_settings(
        tmp_path, DEFAULT_FROM_EMAIL=sender, INQUIRY_REPLY_TO="coordinators@clinic.example"
    )
    assert values["INQUIRY_REPLY_TO"] == ["coordinators@clinic.example"]


# --- A weak secret key (SPEC §14) ----------------------------------------------------------------


def env_example_secret_key():
    lines = (Path(settings.BASE_DIR) / ".env.example").read_text().splitlines()
    return next(line.split("=", 1)[1] for line in lines if line.startswith("DJANGO_SECRET_KEY="))


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        pytest.param(secrets.token_urlsafe(30), "is shorter than 50 characters", id="short"),
        pytest.param("abcd" * 20, "has fewer than 5 different characters", id="few-characters"),
        pytest.param(
            "django-insecure-" + secrets.token_urlsafe(50),
            "starts with 'django-insecure-'",
            id="django-insecure",
        ),
        pytest.param(env_example_secret_key(), "is the placeholder", id="env-example"),
    ],
)
def test_make_serve_refuses_a_weak_secret_key_before_anything_starts(tmp_path, key, problem):
    env = production_env(tmp_path, free_port(), DJANGO_SECRET_KEY=key)
    serve = subprocess.Popen(
        ["make", "--no-print-directory", "serve"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        output = serve.communicate(timeout=60)[0]
    finally:
        if serve.poll() is None:
            os.killpg(serve.pid, signal.SIGKILL)
            serve.wait()

    assert serve.returncode != 0
    assert f"DJANGO_SECRET_KEY {problem}" in output, output[-3000:]
    # Refused at the first step: not even the database was created.
    assert not (tmp_path / "db.sqlite3").exists()
