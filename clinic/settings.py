"""Settings for the clinic site, read from environment variables (see .env.example)."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import xstatic.pkg.bootstrap
from django.utils.csp import CSP

from clinic.env import (
    cache_from_url,
    database_from_url,
    env_bool,
    env_choice,
    env_emails,
    env_int,
    env_list,
    env_mailer,
    env_networks,
    env_rate,
    env_secret_key,
    env_site_url,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DJANGO_DEBUG", False)

# A weak key stops every production process at start-up, `make serve` first of all.
SECRET_KEY = (
    env_str("DJANGO_SECRET_KEY", "insecure-key-for-local-development-only")
    if DEBUG
    else env_secret_key("DJANGO_SECRET_KEY")
)

SITE_URL = env_site_url("SITE_URL", f"http://127.0.0.1:{env_int('PORT', 8000)}" if DEBUG else None)
_site = urlsplit(SITE_URL)
SITE_NAME = env_str("SITE_NAME", "Autoimmune Stem Cell Clinic")

LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [_site.hostname] + (LOCAL_HOSTS if DEBUG else []))

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_tasks_db",
    "axes",
    "clinic",
    "conditions",
    "research",
    "inquiries",
]

MIDDLEWARE = [
    # First: X-Forwarded-* headers count only from TRUSTED_PROXIES, for everything below.
    "clinic.http.ProxyHeadersMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before anything reads a body: refuses uploads to public URLs and bodies over the limit.
    "clinic.request_bodies.RequestBodyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The URL alone picks the language (SPEC §12): /es/… is Spanish, everything else English.
    "clinic.languages.PathLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "clinic.signin.StaffSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "clinic.urls"
WSGI_APPLICATION = "clinic.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.csp",
                "clinic.context_processors.site",
                # The CSRF token of a page kept for many visits is put in for each (SPEC §11).
                "clinic.pagecache.csrf",
            ],
        },
    },
]

DATABASES = {"default": database_from_url("DATABASE_URL", BASE_DIR / "var" / "db.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": cache_from_url("CACHE_URL", "REDIS_URL")}

# How long browsers and proxies may keep a public page (SPEC §11); an edit shows on the site
# itself at once, through the content version in the cache above (clinic/pagecache.py).
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 300, minimum=0)

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Admin login: 5 failures lock out that username, and separately that address, for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
# axes' reset on success would also clear failures against other usernames from this address and
# against this username from other addresses; clinic.signin clears only the login's own.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_CLIENT_IP_CALLABLE = "clinic.http.client_ip"
# A staff session ends this long after signing in, and after STAFF_IDLE_MINUTES without a request
# to admin (clinic.signin). No session outlives it, and `clean_auth_records` removes the ended ones.
STAFF_SESSION_HOURS = env_int("STAFF_SESSION_HOURS", 8, minimum=1)
STAFF_IDLE_MINUTES = 60
SESSION_COOKIE_AGE = STAFF_SESSION_HOURS * 60 * 60

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# A third language needs its line here, a catalog under locale/ and content files (docs/content.md).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # Bootstrap's CSS comes from the xstatic-bootstrap package, installed by `make`.
    ("bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        # Hashed names need `collectstatic`, which only `make serve` runs.
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Email: in debug, printed to the console unless EMAIL_HOST is set; otherwise always sent by
# SMTP (to a local mail server by default), never silently printed.
MAILERS = {"default": env_mailer(debug=DEBUG)}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Clinic <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. DJANGO_HTTPS=false lets `make serve` be tried over plain HTTP on localhost.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers probe over plain HTTP
# Read only from TRUSTED_PROXIES: clinic.http.ProxyHeadersMiddleware drops it from anyone else.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if HTTPS else None
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
# Preloading binds every subdomain to HTTPS in browsers for months, and the preload list requires
# includeSubDomains, so both come only together and only when asked for.
_hsts_preload = env_bool("DJANGO_HSTS_PRELOAD", False)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS and _hsts_preload
# `check --deploy` warns about both being off (W005, W021); off is this site's considered default.
SILENCED_SYSTEM_CHECKS = [] if _hsts_preload else ["security.W005", "security.W021"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
CSRF_TRUSTED_ORIGINS = [SITE_URL] if _site.scheme == "https" else []
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    # Bootstrap draws checkboxes and select arrows with data: SVGs.
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    # No query strings and no client addresses in any line (SPEC §14, clinic/logs.py).
    "filters": {"redact": {"()": "clinic.logs.RedactFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "root": {
        "handlers": ["console"],
        "level": env_choice("DJANGO_LOG_LEVEL", "INFO", ["DEBUG", "INFO", "WARNING", "ERROR"]),
    },
    # Django's default handlers for these would print around the filter (runserver's request
    # lines carry query strings); their records go to the console handler above instead.
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}

CONTENT_DIR = BASE_DIR / "content"

# Background tasks. `make run` (debug) runs them in-process at once; a deployment queues them in the
# database and runs `manage.py run_worker` beside the web server.
TASKS = {
    "default": {
        "BACKEND": "django.tasks.backends.immediate.ImmediateBackend"
        if DEBUG
        else "django_tasks_db.DatabaseBackend",
    }
}

# Requests: the largest legitimate one is a content editor's page in admin.
DATA_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
FILE_UPLOAD_MAX_MEMORY_SIZE = 512 * 1024
# Addresses or networks of the proxies in front of the site, whose X-Forwarded-For and
# X-Forwarded-Proto are believed (clinic.http); empty: only the connection's address counts.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES")
# Outside the admin. The inquiry form at its longest is about 50 KB: 5,000 characters of a
# non-Latin script take 9 bytes each once percent-encoded.
PUBLIC_BODY_MAX_SIZE = 128 * 1024

# Inquiries (SPEC §8).
INQUIRY_NOTIFY_EMAILS = env_emails(
    "INQUIRY_NOTIFY_EMAILS", ["coordinators@localhost"] if DEBUG else None
)
INQUIRY_EMAIL_INCLUDE_DETAILS = env_bool("INQUIRY_EMAIL_INCLUDE_DETAILS", True)
INQUIRY_RETENTION_DAYS = env_int("INQUIRY_RETENTION_DAYS", 730, minimum=1)
INQUIRY_RATE_LIMIT = env_rate("INQUIRY_RATE_LIMIT", "5/10m")
INQUIRY_MIN_SECONDS = env_int("INQUIRY_MIN_SECONDS", 3, minimum=0)
# Where patients' answers to coordinators' replies go (SPEC §13).
INQUIRY_REPLY_TO = env_emails("INQUIRY_REPLY_TO", [DEFAULT_FROM_EMAIL])
# The hour (in TIME_ZONE) the worker emails coordinators the digest of inquiries still waiting.
INQUIRY_REMINDER_HOUR = env_int("INQUIRY_REMINDER_HOUR", 8, minimum=0, maximum=23)
# Changes whenever the consent sentence on the form changes; stored with each inquiry, with the
# code of the language the visitor read it in appended ("2026-11-es"): each translation is a text.
INQUIRY_CONSENT_VERSION = "2026-11"
