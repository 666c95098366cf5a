"""Settings from environment variables (SPEC §10): the helpers in clinic/env.py, and start-up that
fails with a message naming the variable when a value is missing or malformed."""

import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from clinic.env import database_from_url, env_bool, env_int, env_list, env_str

VAR = "CLINIC_TEST_SETTING"


@pytest.fixture
def unset(monkeypatch):
    monkeypatch.delenv(VAR, raising=False)


# --- env_bool ------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["1", "true", "True", "YES", "on", " true "])
def test_env_bool_reads_true(monkeypatch, value):
    monkeypatch.setenv(VAR, value)
    assert env_bool(VAR, False) is True


@pytest.mark.parametrize("value", ["0", "false", "FALSE", "no", "Off", " no "])
def test_env_bool_reads_false(monkeypatch, value):
    monkeypatch.setenv(VAR, value)
    assert env_bool(VAR, True) is False


@pytest.mark.parametrize("value", [None, "", "   "])
def test_env_bool_falls_back_to_the_default_when_unset_or_blank(monkeypatch, value):
    if value is None:
        monkeypatch.delenv(VAR, raising=False)
    else:
        monkeypatch.setenv(VAR, value)
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


def test_env_int_falls_back_to_the_default(monkeypatch, unset):
    assert env_int(VAR, 25) == 25
    monkeypatch.setenv(VAR, "")
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
def test_env_list_falls_back_to_the_default(monkeypatch, value):
    if value is None:
        monkeypatch.delenv(VAR, raising=False)
    else:
        monkeypatch.setenv(VAR, value)
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


# --- Start-up, as a real process -----------------------------------------------------------------


@pytest.fixture
def production_env(tmp_path):
    """A complete, valid production environment, and nothing inherited from this one."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": "clinic.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "SITE_URL": "https://clinic.example",
        "INQUIRY_NOTIFY_EMAILS": "coordinators@clinic.example",
        "EMAIL_HOST": "smtp.clinic.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }


def manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_complete_production_environment_starts(production_env):
    result = manage(production_env, "check")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("hsts_preload", ["false", "true"])
def test_a_complete_production_environment_passes_the_deploy_checks(production_env, hsts_preload):
    env = {**production_env, "DJANGO_HSTS_PRELOAD": hsts_preload}
    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_debug_mode_starts_without_a_secret_key_or_site_url(production_env):
    env = {**production_env, "DJANGO_DEBUG": "true"}
    del env["DJANGO_SECRET_KEY"], env["SITE_URL"], env["INQUIRY_NOTIFY_EMAILS"], env["EMAIL_HOST"]
    result = manage(env, "check")
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("missing", "variable"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY"),
        ("SITE_URL", "SITE_URL"),
        ("INQUIRY_NOTIFY_EMAILS", "INQUIRY_NOTIFY_EMAILS"),
    ],
)
def test_production_start_up_fails_naming_a_missing_variable(production_env, missing, variable):
    env = dict(production_env)
    del env[missing]
    result = manage(env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_debug_is_off_unless_asked_for(production_env):
    env = dict(production_env)
    del env["DJANGO_DEBUG"], env["DJANGO_SECRET_KEY"]
    result = manage(env, "check")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DJANGO_SECRET_KEY", "   "),
        ("DJANGO_DEBUG", "maybe"),
        ("DJANGO_HTTPS", "perhaps"),
        ("DJANGO_HSTS_PRELOAD", "soon"),
        ("SITE_URL", "ftp://x"),
        ("SITE_URL", "clinic.example"),
        ("SITE_URL", "https://"),
        ("DATABASE_URL", "mysql://x/y"),
        ("DATABASE_URL", "postgres://u@h:port/clinic"),
        ("CACHE_URL", "memcached://127.0.0.1:11211"),
        ("REDIS_URL", "http://127.0.0.1:6379"),
        ("EMAIL_USE_TLS", "sometimes"),
        ("INQUIRY_NOTIFY_EMAILS", "coordinators@clinic.example, not-an-address"),
        ("INQUIRY_EMAIL_INCLUDE_DETAILS", "partly"),
        ("INQUIRY_RETENTION_DAYS", "two years"),
        ("INQUIRY_RETENTION_DAYS", "0"),
        ("INQUIRY_RATE_LIMIT", "lots"),
        ("INQUIRY_MIN_SECONDS", "-1"),
        ("TRUSTED_PROXIES", "10.0.0.300"),
        ("TRUSTED_PROXIES", "nginx"),
        ("STAFF_SESSION_HOURS", "0"),
        ("STAFF_SESSION_HOURS", "a day"),
        ("INQUIRY_REPLY_TO", "coordinators at the clinic"),
        ("INQUIRY_REMINDER_HOUR", "24"),
        ("INQUIRY_REMINDER_HOUR", "eight"),
    ],
)
def test_start_up_fails_naming_a_malformed_variable(production_env, variable, value):
    result = manage({**production_env, variable: value}, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.split("ImproperlyConfigured")[-1]


def test_replies_and_reminders_have_defaults(production_env):
    code = (
        "from django.conf import settings as s\nprint(s.INQUIRY_REPLY_TO, s.INQUIRY_REMINDER_HOUR)"
    )
    env = {**production_env, "DEFAULT_FROM_EMAIL": "Clinic <hello@clinic.example>"}
    result = manage(env, "shell", "-v", "0", "-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['Clinic <hello@clinic.example>'] 8"
    env["INQUIRY_REPLY_TO"] = "coordinators@clinic.example"
    result = manage(env, "shell", "-v", "0", "-c", code)
    assert result.stdout.strip() == "['coordinators@clinic.example'] 8"


def test_a_malformed_connection_age_fails_naming_it(production_env):
    env = {**production_env, "DATABASE_URL": "postgres://127.0.0.1/clinic"}
    result = manage({**env, "DATABASE_CONN_MAX_AGE": "forever"}, "check")
    assert result.returncode != 0
    assert "DATABASE_CONN_MAX_AGE must be a whole number" in result.stderr


def test_a_malformed_email_port_fails_naming_it(production_env):
    result = manage({**production_env, "EMAIL_PORT": "abc"}, "check")
    assert result.returncode != 0
    assert "EMAIL_PORT must be a whole number" in result.stderr


def test_a_malformed_email_port_fails_in_production_without_an_email_host(production_env):
    env = {**production_env, "EMAIL_PORT": "abc"}
    del env["EMAIL_HOST"]
    result = manage(env, "check")
    assert result.returncode != 0
    assert "EMAIL_PORT" in result.stderr


def test_a_malformed_email_port_fails_in_debug_too(production_env):
    env = {**production_env, "DJANGO_DEBUG": "true", "EMAIL_PORT": "abc"}
    del env["EMAIL_HOST"]
    result = manage(env, "check")
    assert result.returncode != 0
    assert "EMAIL_PORT" in result.stderr


def test_a_malformed_log_level_fails_naming_the_variable(production_env):
    result = manage({**production_env, "DJANGO_LOG_LEVEL": "LOUD"}, "check")
    assert result.returncode != 0
    assert "DJANGO_LOG_LEVEL" in result.stderr


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
def test_make_serve_refuses_a_weak_secret_key_before_anything_starts(
    production_env, tmp_path, key, problem
):
    env = {**production_env, "DJANGO_SECRET_KEY": key, "PORT": "8799", "HOST": "127.0.0.1"}
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
