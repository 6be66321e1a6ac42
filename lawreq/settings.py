"""One settings module, driven by environment variables.

With no variable set it runs embedded: SQLite in ``data/``, Celery tasks run eagerly, a generated
development secret and generated development keys. Production sets ``DATABASE_URL``,
``CELERY_BROKER_URL``, ``SECRET_KEY`` and the key variables below.
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from lawreq.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
# Everything this process writes (the SQLite database, keys, secrets, uploads and their temporary
# files, exports) is for its own user only: files 0600, folders 0700, whichever library creates them.
os.umask(0o077)
DATA_DIR = Path(os.environ.get("LAWREQ_DATA_DIR", BASE_DIR / "data"))


def private_path(path: Path) -> None:
    """Tighten a file or folder this user owns, made before the umask above (an older install); a
    shared or sticky folder (``/tmp``) named by mistake is left alone."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return
    if info.st_uid == os.getuid() and not info.st_mode & 0o1000:
        path.chmod(0o700 if path.is_dir() else 0o600)


DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
private_path(DATA_DIR)


TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in TRUE_WORDS


def env_strict_bool(name: str, default: bool | None) -> bool | None:
    """True or false as said, ``default`` when unset, None when set to anything else (a check reports it)."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    return True if value in TRUE_WORDS else False if value in FALSE_WORDS else None


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _development_secret(filename: str, nbytes: int = 32) -> str:
    """A random secret kept in the data folder, so the embedded default needs no variable."""
    path = DATA_DIR / filename
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(secrets.token_urlsafe(nbytes))
    private_path(path)
    return path.read_text().strip()


# Production mode: LAWREQ_PRODUCTION=true. It turns on what a deployment behind HTTPS needs (SSL
# redirect, HSTS, secure cookies, a second factor for staff), each still overridable by its own
# variable, and refuses to start without a real SECRET_KEY or with DEBUG on.
# `manage.py check --deploy --fail-level WARNING` is clean in this mode (tests/web/test_headers.py).
LAWREQ_PRODUCTION = env_bool("LAWREQ_PRODUCTION")

SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret("secret_key")
DEBUG = env_bool("DEBUG")
if LAWREQ_PRODUCTION and (DEBUG or not os.environ.get("SECRET_KEY")):
    raise ImproperlyConfigured("Production mode (LAWREQ_PRODUCTION) needs SECRET_KEY set and DEBUG off.")
# Production mode names its hosts (lawreq.checks refuses none); the embedded default serves loopback.
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if LAWREQ_PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "lawreq.views.csrf_failure"

INSTALLED_APPS = [
    "lawreq",  # first: its createsuperuser (validated passwords) takes the place of Django's
    "requests_app.admin_apps.StaffAdminConfig",  # django.contrib.admin with the one log-in path
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    # The project's apps, in their layers, lowest first (the import contract in pyproject.toml).
    "audit",
    "vault",
    "requests_app",
    "rules",
    "subscribers",
    "disclosure",
    "letters",
    "casework",
    "notifications",
    "workflow",
    "reports",
    "web",
    "demo",
]

MIDDLEWARE = [
    # First: every later log line of a request has its id; the load balancer's probes answer before
    # any redirect, host check or session (lawreq.logs, lawreq.health).
    "lawreq.logs.RequestIdMiddleware",
    "lawreq.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "lawreq.middleware.NoStoreMiddleware",
    "lawreq.middleware.BodySizeLimitMiddleware",
    "lawreq.middleware.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # after sessions, before CommonMiddleware (Django's order)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "requests_app.middleware.SessionPolicyMiddleware",
    "requests_app.middleware.AgencyLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "lawreq.urls"
WSGI_APPLICATION = "lawreq.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{DATA_DIR / 'lawreq.sqlite3'}",
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0),
        # A kept connection that the server dropped (a restart) is replaced, not used and failed.
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    private_path(Path(DATABASES["default"]["NAME"]))
    # Serialised writers instead of "database is locked" under the dev server's threads; WAL so
    # readers do not wait for them.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        transaction_mode="IMMEDIATE",
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
    )

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user object

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
# The officers' portal and the letters (docs/i18n.md): English by default, the agency's language
# for its officers and its letters, the user's own choice (the language cookie) above both.
LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded documents are stored sealed; these modes are for every file and folder the storage makes.
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
# Uploads above FILE_UPLOAD_MAX_MEMORY_SIZE are spooled in clear until sealed: in a private folder
# of the data folder (not the system's /tmp), as 0600 files removed at the end of the request.
FILE_UPLOAD_TEMP_DIR = DATA_DIR / "uploads"
FILE_UPLOAD_TEMP_DIR.mkdir(mode=0o700, exist_ok=True)
private_path(FILE_UPLOAD_TEMP_DIR)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

# Security headers. HTTPS settings come from the environment and default to on in production mode.
SESSION_COOKIE_HTTPONLY = True
# Sessions end after a time without activity and, active or not, some hours after the log-in
# (requests_app.middleware.SessionPolicyMiddleware). Staff (the legal team, auditors, admins) see
# personal data of many people: 30 minutes idle. Officers see their own agency's answers: 2 hours.
# Nobody keeps a session past a working day (12 hours); the cookie lives no longer than that.
LAWREQ_STAFF_SESSION_IDLE_SECONDS = env_int("LAWREQ_STAFF_SESSION_IDLE_MINUTES", 30) * 60
LAWREQ_OFFICER_SESSION_IDLE_SECONDS = env_int("LAWREQ_OFFICER_SESSION_IDLE_MINUTES", 120) * 60
LAWREQ_SESSION_MAX_AGE_SECONDS = env_int("LAWREQ_SESSION_MAX_HOURS", 12) * 3600
SESSION_COOKIE_AGE = LAWREQ_SESSION_MAX_AGE_SECONDS
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", LAWREQ_PRODUCTION)
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", LAWREQ_PRODUCTION)
LANGUAGE_COOKIE_SECURE = env_bool("SECURE_COOKIES", LAWREQ_PRODUCTION)
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", LAWREQ_PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31_536_000 if LAWREQ_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", LAWREQ_PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", LAWREQ_PRODUCTION)
# Behind a TLS-terminating proxy: the header it sets, e.g. "X-Forwarded-Proto: https". Trust it only
# when the proxy overwrites whatever the client sent.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_" + os.environ["SECURE_PROXY_SSL_HEADER"].upper().replace("-", "_"), "https")
    if os.environ.get("SECURE_PROXY_SSL_HEADER")
    else None
)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# django-csp: nothing inline, nothing from elsewhere, no framing. Every script and style of the web
# UI is a static file; the Swagger UI page loads its own script from /api/docs/?script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        **({"upgrade-insecure-requests": True} if SECURE_SSL_REDIRECT else {}),
    },
}

# Uploads: the legal document limit is checked by the service before parsing; Django spools large
# bodies to disk instead of memory.
LAWREQ_MAX_DOCUMENT_BYTES = env_int("LAWREQ_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024)
# How long an upload (or a run of the checks) waits for an incoming order's signature check.
LAWREQ_SIGNATURE_CHECK_SECONDS = env_int("LAWREQ_SIGNATURE_CHECK_SECONDS", 20)
# Per request: how many documents, and how many bytes in all.
LAWREQ_MAX_DOCUMENTS_PER_REQUEST = env_int("LAWREQ_MAX_DOCUMENTS_PER_REQUEST", 10)
LAWREQ_MAX_REQUEST_DOCUMENTS_BYTES = env_int("LAWREQ_MAX_REQUEST_DOCUMENTS_BYTES", 40 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# JSON bodies (and rule files) nesting deeper than this are refused with 400 before anything walks them.
LAWREQ_MAX_JSON_DEPTH = env_int("LAWREQ_MAX_JSON_DEPTH", 32)

# The client's address: the connecting address, unless the deployment names its reverse proxies,
# by count (each appends to X-Forwarded-For) or by networks (CIDRs); lawreq.clientip reads it for
# every throttle and every audited log-in. Never a header by default.
LAWREQ_TRUSTED_PROXY_COUNT = env_int("LAWREQ_TRUSTED_PROXY_COUNT", 0)
LAWREQ_TRUSTED_PROXY_NETWORKS = env_list("LAWREQ_TRUSTED_PROXY_NETWORKS")

# Log-in throttle (requests_app.auth): attempts are counted before the password is checked, in the
# shared cache. Per username and address together a short window, per address alone a longer one;
# throttled attempts go to the audit trail as one entry per address and window.
LAWREQ_LOGIN_MAX_ATTEMPTS = env_int("LAWREQ_LOGIN_MAX_ATTEMPTS", 5)
LAWREQ_LOGIN_WINDOW_SECONDS = env_int("LAWREQ_LOGIN_WINDOW_SECONDS", 60)
LAWREQ_LOGIN_MAX_ATTEMPTS_PER_ADDRESS = env_int("LAWREQ_LOGIN_MAX_ATTEMPTS_PER_ADDRESS", 50)
LAWREQ_LOGIN_ADDRESS_WINDOW_SECONDS = env_int("LAWREQ_LOGIN_ADDRESS_WINDOW_SECONDS", 3600)
LAWREQ_LOGIN_THROTTLE_AUDIT_WINDOW_SECONDS = env_int("LAWREQ_LOGIN_THROTTLE_AUDIT_WINDOW_SECONDS", 300)
LAWREQ_THROTTLE_CACHE = "default"
# Pre-checks per user (each runs the rules and writes an audit entry), DRF's rate syntax.
LAWREQ_PRECHECK_RATE = os.environ.get("LAWREQ_PRECHECK_RATE", "30/min")
# Self-registrations per client address (each sends an e-mail), apart from the log-in limits.
LAWREQ_REGISTRATION_MAX_PER_ADDRESS = env_int("LAWREQ_REGISTRATION_MAX_PER_ADDRESS", 10)
LAWREQ_REGISTRATION_ADDRESS_WINDOW_SECONDS = env_int("LAWREQ_REGISTRATION_ADDRESS_WINDOW_SECONDS", 3600)

# API tokens (django-rest-knox): stored as digests, valid until they expire, the user logs out,
# changes password or is deactivated. Staff within a working day, officers' integrations 30 days.
LAWREQ_STAFF_TOKEN_TTL = timedelta(hours=env_int("LAWREQ_STAFF_TOKEN_HOURS", 8))
LAWREQ_OFFICER_TOKEN_TTL = timedelta(days=env_int("LAWREQ_OFFICER_TOKEN_DAYS", 30))
LAWREQ_MAX_TOKENS_PER_USER = env_int("LAWREQ_MAX_TOKENS_PER_USER", 10)
# knox's own migrations create its default table even when the model is swapped: not wanted.
MIGRATION_MODULES = {"knox": None}
KNOX_TOKEN_MODEL = "requests_app.ApiToken"  # noqa: S105 (a model name)
REST_KNOX = {"TOKEN_TTL": LAWREQ_STAFF_TOKEN_TTL, "AUTO_REFRESH": False, "AUTH_HEADER_PREFIX": "Token"}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "requests_app.auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["lawreq.parsers.DepthLimitedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["lawreq.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lawreq.api.exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "lawreq API",
    "DESCRIPTION": "Law-enforcement requests for user data: intake, checks, review, signed answers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "RequestOutcomeEnum": "requests_app.models.Outcome",
        "RequestStateEnum": "requests_app.models.State",
        "CallBackOutcomeEnum": "disclosure.models.CallBackOutcome",
        "EnforcingDecisionEnum": "requests_app.choices.EnforcingDecision",
        "DecisionEnum": "disclosure.models.Decision",
        "DocumentSignatureStatusEnum": "requests_app.choices.SignatureStatus",
        "DocumentSignatureFormatEnum": "requests_app.choices.SignatureFormat",
    },
}

CACHES = {
    "default": {
        # Redis, with a process-local fallback while it is down (lawreq.cache): no throttle stops the
        # service. A cache that hangs must not hang a request: a second, then the fallback.
        "BACKEND": "lawreq.cache.FallbackRedisCache",
        "LOCATION": os.environ["REDIS_CACHE_URL"],
        "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
    }
    if os.environ.get("REDIS_CACHE_URL")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Celery: eager in the embedded default, a real broker when CELERY_BROKER_URL is set.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    # The fallback of the sequencer: chains what is pending and signs a checkpoint when one is due.
    "audit-checkpoint": {
        "task": "audit.checkpoint",
        "schedule": timedelta(seconds=env_int("AUDIT_CHECKPOINT_SECONDS", 60)),
    },
    "login-throttle-audit": {
        "task": "requests_app.throttled_logins_audit",
        "schedule": timedelta(minutes=1),
    },
    # Work whose enqueue was lost (broker down, queue flushed) or whose worker died: sent again.
    "workflow-sweep": {
        "task": "workflow.sweep",
        "schedule": timedelta(seconds=env_int("LAWREQ_SWEEP_SECONDS", 60)),
    },
}
# Deadlines and signed webhooks (README, "Schedules"): reminders and escalations, the analysts'
# daily digest, and webhook deliveries whose retry is due.
CELERY_BEAT_SCHEDULE.update(
    {
        "deadline-reminders": {
            "task": "notifications.deadline_alerts",
            "schedule": timedelta(minutes=env_int("LAWREQ_DEADLINE_SWEEP_MINUTES", 10)),
        },
        "analyst-digest": {
            "task": "notifications.analyst_digests",
            "schedule": crontab(hour=env_int("LAWREQ_DIGEST_HOUR", 6), minute=0),
        },
        "webhook-retries": {
            "task": "notifications.webhook_retries",
            "schedule": timedelta(minutes=1),
        },
    }
)
# Reminders to the legal team when these fractions of the time allowed have run (pauses not counted).
LAWREQ_DEADLINE_REMINDER_FRACTIONS = sorted(
    float(part) for part in os.environ.get("LAWREQ_DEADLINE_REMINDER_FRACTIONS", "0.5,0.8").split(",") if part.strip()
)
if any(not 0 < fraction < 1 for fraction in LAWREQ_DEADLINE_REMINDER_FRACTIONS):
    raise ImproperlyConfigured("LAWREQ_DEADLINE_REMINDER_FRACTIONS are fractions between 0 and 1, e.g. 0.5,0.8.")
# Webhooks: https only and no private addresses in production; short timeouts; retries with backoff.
LAWREQ_WEBHOOK_REQUIRE_HTTPS = env_bool("LAWREQ_WEBHOOK_REQUIRE_HTTPS", LAWREQ_PRODUCTION)
LAWREQ_WEBHOOK_ALLOW_PRIVATE = env_bool("LAWREQ_WEBHOOK_ALLOW_PRIVATE", not LAWREQ_PRODUCTION)
LAWREQ_WEBHOOK_TIMEOUT_SECONDS = env_int("LAWREQ_WEBHOOK_TIMEOUT_SECONDS", 5)
LAWREQ_WEBHOOK_MAX_ATTEMPTS = env_int("LAWREQ_WEBHOOK_MAX_ATTEMPTS", 8)
LAWREQ_WEBHOOK_BACKOFF_SECONDS = env_int("LAWREQ_WEBHOOK_BACKOFF_SECONDS", 30)
# Resilience (issue 15). A task a worker took and never acknowledged (the worker died) goes back to
# the queue after the visibility timeout; a letter's claim by a dead worker may be taken over after
# its lease. Both in minutes, so an 8-hour emergency loses minutes, not an hour. The trade-off: a
# task still running after the visibility timeout is delivered to a second worker too (the letter's
# claim keeps that one waiting, so still one letter), and retry countdowns must stay below it.
LAWREQ_VISIBILITY_TIMEOUT_SECONDS = env_int("LAWREQ_VISIBILITY_TIMEOUT_SECONDS", 300)
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "visibility_timeout": LAWREQ_VISIBILITY_TIMEOUT_SECONDS,
        # Look for abandoned messages every N seconds (kombu's default is 10 x 10 s): redelivery comes
        # within the visibility timeout plus this.
        "unacked_restore_interval": env_int("LAWREQ_UNACKED_RESTORE_SECONDS", 10),
        "unacked_restore_throttle": 1,
        # A broker that vanishes without closing the connection must not hang a publish forever.
        "socket_timeout": 5,
        "socket_connect_timeout": 2,
    }
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else {"visibility_timeout": LAWREQ_VISIBILITY_TIMEOUT_SECONDS}
)
# A broker that is down fails a send in seconds (the sweep sends it later), not after long retries
# that would hold the officer's or the reviewer's request.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
LAWREQ_RESPONSE_CLAIM_LEASE_SECONDS = env_int("LAWREQ_RESPONSE_CLAIM_LEASE_SECONDS", 240)
# A request ``received`` (not yet checked) or decided without its letter this long is sent to the
# workers again by the sweep; this long, the reviewers are alerted.
LAWREQ_STUCK_SECONDS = env_int("LAWREQ_STUCK_SECONDS", 120)
LAWREQ_STUCK_ALERT_SECONDS = env_int("LAWREQ_STUCK_ALERT_SECONDS", 900)
# Emergency follow-through: an emergency disclosure whose follow-up legal process is overdue is
# escalated to the reviewers, once (the window itself is a rule set parameter, ``followup_hours``).
# The public transparency dataset, signed at the latest audit checkpoint (reports.transparency).
CELERY_BEAT_SCHEDULE["transparency-publish"] = {
    "task": "reports.transparency_publish",
    "schedule": timedelta(hours=env_int("LAWREQ_TRANSPARENCY_PUBLISH_HOURS", 24)),
}
CELERY_BEAT_SCHEDULE["emergency-followups-overdue"] = {
    "task": "workflow.followups_escalate",
    "schedule": timedelta(minutes=env_int("LAWREQ_FOLLOWUP_SCAN_MINUTES", 15)),
}

# Risk signals computed when a request is checked: advisory, shown to the legal team only.
LAWREQ_RISK_NEW_ACCOUNT_DAYS = env_int("LAWREQ_RISK_NEW_ACCOUNT_DAYS", 30)
LAWREQ_RISK_NEW_DOMAIN_DAYS = env_int("LAWREQ_RISK_NEW_DOMAIN_DAYS", 30)
LAWREQ_RISK_MAX_TARGETS = env_int("LAWREQ_RISK_MAX_TARGETS", 10)
LAWREQ_RISK_MAX_RANGE_DAYS = env_int("LAWREQ_RISK_MAX_RANGE_DAYS", 365)
# An account filing this many emergencies (this one included) within 24 hours.
LAWREQ_RISK_EMERGENCIES_PER_DAY = env_int("LAWREQ_RISK_EMERGENCIES_PER_DAY", 3)

# Keys. Every one can come from the environment; the embedded default generates development ones
# in the data folder (never in the repository).
LAWREQ_KEYS_DIR = Path(os.environ.get("LAWREQ_KEYS_DIR", DATA_DIR / "keys"))
for _private in (LAWREQ_KEYS_DIR, MEDIA_ROOT):
    private_path(_private)
# Keyed hashes of personal data in the audit trail (HMAC-SHA256).
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY") or _development_secret("audit_hmac_key")
# Blind indexes of sealed identifiers (HMAC-SHA256): its own key, at least 32 characters. Changing it
# needs the indexes recomputed (``rotate_keys`` does not: it re-encrypts, the index stays valid).
LAWREQ_BLIND_INDEX_KEY = os.environ.get("LAWREQ_BLIND_INDEX_KEY") or _development_secret("blind_index_key")
# Data keys for records at rest: "kid:base64key,kid:base64key", the last one encrypts.
LAWREQ_ENCRYPTION_KEYS = os.environ.get("LAWREQ_ENCRYPTION_KEYS", "")
# PAdES signing: a PKCS#12 file and its passphrase.
LAWREQ_SIGNING_P12 = os.environ.get("LAWREQ_SIGNING_P12", str(LAWREQ_KEYS_DIR / "signing.p12"))
LAWREQ_SIGNING_PASSPHRASE = os.environ.get("LAWREQ_SIGNING_PASSPHRASE", "")
# Internal report PDFs (audit trails) are signed with a certificate of their own, never the letters'
# (same passphrase). Empty: ``report_signing.p12`` in the keys folder, issued by the development CA.
LAWREQ_REPORT_SIGNING_P12 = os.environ.get("LAWREQ_REPORT_SIGNING_P12", "")
LAWREQ_TIMESTAMP_URL = os.environ.get("LAWREQ_TIMESTAMP_URL", "")
# A timestamp authority that does not answer within this is down for this attempt. Then ``wait``:
# the letter waits (retried, its status says so); ``sign_without``: signed without a timestamp (PAdES
# B-B instead of B-T), and its status says so.
# A worker refuses to start when the signing key does not open (``letters.signing.worker_signing_check``).
LAWREQ_WORKER_SIGNING_CHECK = env_bool("LAWREQ_WORKER_SIGNING_CHECK", True)
LAWREQ_TSA_TIMEOUT_SECONDS = env_int("LAWREQ_TSA_TIMEOUT_SECONDS", 10)
LAWREQ_TSA_POLICY = os.environ.get("LAWREQ_TSA_POLICY", "wait")
if LAWREQ_TSA_POLICY not in ("wait", "sign_without"):
    raise ImproperlyConfigured("LAWREQ_TSA_POLICY must be 'wait' or 'sign_without'.")
# Above this many records (IP events and phone number periods) a letter prints a summary per target
# and category, and the records travel only in its attached CSV and JSON files, streamed into the
# signed PDF from temporary files (a million events would be 16,000 pages and most of a gigabyte).
LAWREQ_LETTER_INLINE_RECORDS_MAX = env_int("LAWREQ_LETTER_INLINE_RECORDS_MAX", 5_000)
# Where those temporary files are written (0600, removed after signing): inside the data directory.
LAWREQ_LETTER_WORK_DIR = Path(os.environ.get("LAWREQ_LETTER_WORK_DIR", DATA_DIR / "letter-work"))
# Extra roots a response may chain to (a PEM bundle, e.g. after a CA change), and the public
# address printed in letters for their verification page.
LAWREQ_SIGNING_TRUST_ROOTS = os.environ.get("LAWREQ_SIGNING_TRUST_ROOTS", "")
LAWREQ_PUBLIC_URL = os.environ.get("LAWREQ_PUBLIC_URL", "")
# Ed25519 key for audit checkpoints, and where checkpoints are exported.
AUDIT_CHECKPOINT_KEY = os.environ.get("AUDIT_CHECKPOINT_KEY", str(LAWREQ_KEYS_DIR / "audit_checkpoint.pem"))
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("AUDIT_CHECKPOINT_DIR", DATA_DIR / "checkpoints"))
# A checkpoint is signed when entries were chained and the last one is this old (sequencer, beat).
AUDIT_CHECKPOINT_SECONDS = env_int("AUDIT_CHECKPOINT_SECONDS", 60)
# An RFC 3161 time-stamping authority for checkpoints (none by default).
AUDIT_TSA_URL = os.environ.get("AUDIT_TSA_URL", "")
AUDIT_TSA_TIMEOUT_SECONDS = env_int("AUDIT_TSA_TIMEOUT_SECONDS", 10)
# The authority's root certificates (PEM bundle): tokens from any other authority are refused.
AUDIT_TSA_TRUST_ROOTS = os.environ.get("AUDIT_TSA_TRUST_ROOTS", "")
# The sequencer (docs/audit.md): entries are written pending and chained in batches. By default a
# pass runs right after each audited transaction commits; with a `manage.py audit_sequencer`
# process running, set AUDIT_SEQUENCE_AFTER_COMMIT=0 so writers never wait on the chain lock.
AUDIT_SEQUENCE_AFTER_COMMIT = os.environ.get("AUDIT_SEQUENCE_AFTER_COMMIT", "1") not in ("0", "false", "no")
AUDIT_SEQUENCER_BATCH = env_int("AUDIT_SEQUENCER_BATCH", 5000)
AUDIT_SEQUENCER_POLL_MILLISECONDS = env_int("AUDIT_SEQUENCER_POLL_MILLISECONDS", 100)

# E-mail: notifications only (reference, event, link). The embedded default prints them on the
# console; production names an SMTP server (EMAIL_HOST...) or another backend.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "lawreq <lawreq@localhost>")

# The platform's data store, pluggable.
LAWREQ_SUBSCRIBER_PROVIDER = os.environ.get("LAWREQ_SUBSCRIBER_PROVIDER", "subscribers.providers.DatabaseProvider")
LAWREQ_PLATFORM_NAME = os.environ.get("LAWREQ_PLATFORM_NAME", "Example Messaging Platform")
# The function that signs letters: a letter names it, never the people who prepared or approved it.
LAWREQ_SIGNING_FUNCTION = os.environ.get("LAWREQ_SIGNING_FUNCTION", "Law Enforcement Response Team")
# The custodian of records a certificate of authenticity (FRE 902(11), 902(13)) names: a function (a person
# only as LAWREQ_RECORDS_CUSTODIAN_NAME, below). Production mode requires it set (letters.checks).
LAWREQ_RECORDS_CUSTODIAN = os.environ.get(
    "LAWREQ_RECORDS_CUSTODIAN", "" if LAWREQ_PRODUCTION else "Custodian of Records, Law Enforcement Response Team"
)
# Where the custodian's declaration is executed, which chooses its form under 28 U.S.C. § 1746: within the
# United States (true: paragraph (2)) or outside (false: paragraph (1), "under the laws of the United States of
# America"). None (unset in production mode, or neither true nor false) is refused by letters.E005; outside by
# default otherwise.
LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US = env_strict_bool(
    "LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US", None if LAWREQ_PRODUCTION else False
)
# Optional: the person who signs the declaration as the custodian, printed with the function.
LAWREQ_RECORDS_CUSTODIAN_NAME = os.environ.get("LAWREQ_RECORDS_CUSTODIAN_NAME", "")
# A second factor (TOTP) for the legal team, auditors and operators; on in production.
LAWREQ_REQUIRE_STAFF_OTP = env_bool("LAWREQ_REQUIRE_STAFF_OTP", LAWREQ_PRODUCTION)

# Logs: JSON lines with the request id in production mode (LAWREQ_LOG_JSON overrides), readable
# text otherwise; never personal data (lawreq.logs).
LOGGING = logging_config(
    json_lines=env_bool("LAWREQ_LOG_JSON", LAWREQ_PRODUCTION), level=os.environ.get("LOG_LEVEL", "INFO")
)
# Celery's worker keeps the logging above (the request id filter and format) instead of its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Readiness (/readyz, lawreq.health): how long the broker may take to answer, and how long the oldest
# audit entry not covered by a checkpoint may wait before the instance reports itself not ready.
LAWREQ_READY_BROKER_TIMEOUT_SECONDS = env_int("LAWREQ_READY_BROKER_TIMEOUT_SECONDS", 2)
LAWREQ_READY_CHECKPOINT_MAX_AGE_SECONDS = env_int("LAWREQ_READY_CHECKPOINT_MAX_AGE_SECONDS", 600)
# Sessions live in the database: a Redis outage logs nobody out (tests/lawreq/test_redis_down.py).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
# EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend writes here (make run-prod: the
# console backend would print addresses into the worker's log).
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "mail"))

# Verified officers, user notice and retention (issue 14; README "Notices and retention").
LAWREQ_OFFICER_REVERIFY_DAYS = env_int("LAWREQ_OFFICER_REVERIFY_DAYS", 365)
LAWREQ_OFFICER_REVERIFY_REMIND_DAYS = env_int("LAWREQ_OFFICER_REVERIFY_REMIND_DAYS", 30)
LAWREQ_OFFICER_CONFIRM_HOURS = env_int("LAWREQ_OFFICER_CONFIRM_HOURS", 48)
# After an emergency disclosure notice is withheld this long (0: not withheld for it), the reason recorded.
LAWREQ_EMERGENCY_NOTICE_DELAY_DAYS = env_int("LAWREQ_EMERGENCY_NOTICE_DELAY_DAYS", 90)
LAWREQ_USER_NOTIFIER = os.environ.get("LAWREQ_USER_NOTIFIER", "notifications.user_notice.LogNotifier")
LAWREQ_RETAIN_SNAPSHOTS_DAYS = env_int("LAWREQ_RETAIN_SNAPSHOTS_DAYS", 730)
LAWREQ_RETAIN_LETTERS_DAYS = env_int("LAWREQ_RETAIN_LETTERS_DAYS", 730)
CELERY_BEAT_SCHEDULE |= {
    "officers-reverify-remind": {"task": "requests_app.officers_reverify_remind", "schedule": timedelta(hours=24)},
    "user-notices-send": {"task": "notifications.user_notices_send", "schedule": timedelta(hours=1)},
    "purge-expired": {"task": "letters.purge_expired", "schedule": timedelta(hours=24)},
}
