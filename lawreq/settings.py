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

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("LAWREQ_DATA_DIR", BASE_DIR / "data"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _development_secret(filename: str, nbytes: int = 32) -> str:
    """A random secret kept in the data folder, so the embedded default needs no variable."""
    path = DATA_DIR / filename
    if not path.exists():
        path.write_text(secrets.token_urlsafe(nbytes))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = os.environ.get("SECRET_KEY") or _development_secret("secret_key")
DEBUG = env_bool("DEBUG")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    # The project's apps, in their layers, lowest first (the import contract in pyproject.toml).
    "audit",
    "vault",
    "requests_app",
    "rules",
    "subscribers",
    "disclosure",
    "letters",
    "workflow",
    "reports",
    "web",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "lawreq.middleware.BodySizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
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
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = DATA_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES")
CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES")
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Uploads: the legal document limit is checked by the service before parsing; Django spools large
# bodies to disk instead of memory.
LAWREQ_MAX_DOCUMENT_BYTES = env_int("LAWREQ_MAX_DOCUMENT_BYTES", 20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "lawreq.api.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login_failures": "5/min"},
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
    },
}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_CACHE_URL"],
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
    "audit-checkpoint": {
        "task": "audit.checkpoint",
        "schedule": timedelta(minutes=env_int("AUDIT_CHECKPOINT_MINUTES", 60)),
    },
}

# Keys. Every one can come from the environment; the embedded default generates development ones
# in the data folder (never in the repository).
LAWREQ_KEYS_DIR = Path(os.environ.get("LAWREQ_KEYS_DIR", DATA_DIR / "keys"))
# Keyed hashes of personal data in the audit trail (HMAC-SHA256).
AUDIT_HMAC_KEY = os.environ.get("AUDIT_HMAC_KEY") or _development_secret("audit_hmac_key")
# Data keys for records at rest: "kid:base64key,kid:base64key", the last one encrypts.
LAWREQ_ENCRYPTION_KEYS = os.environ.get("LAWREQ_ENCRYPTION_KEYS", "")
# PAdES signing: a PKCS#12 file and its passphrase.
LAWREQ_SIGNING_P12 = os.environ.get("LAWREQ_SIGNING_P12", str(LAWREQ_KEYS_DIR / "signing.p12"))
LAWREQ_SIGNING_PASSPHRASE = os.environ.get("LAWREQ_SIGNING_PASSPHRASE", "")
LAWREQ_TIMESTAMP_URL = os.environ.get("LAWREQ_TIMESTAMP_URL", "")
# Extra roots a response may chain to (a PEM bundle, e.g. after a CA change), and the public
# address printed in letters for their verification page.
LAWREQ_SIGNING_TRUST_ROOTS = os.environ.get("LAWREQ_SIGNING_TRUST_ROOTS", "")
LAWREQ_PUBLIC_URL = os.environ.get("LAWREQ_PUBLIC_URL", "")
# Ed25519 key for audit checkpoints, and where checkpoints are exported.
AUDIT_CHECKPOINT_KEY = os.environ.get("AUDIT_CHECKPOINT_KEY", str(LAWREQ_KEYS_DIR / "audit_checkpoint.pem"))
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("AUDIT_CHECKPOINT_DIR", DATA_DIR / "checkpoints"))

# The platform's data store, pluggable.
LAWREQ_SUBSCRIBER_PROVIDER = os.environ.get("LAWREQ_SUBSCRIBER_PROVIDER", "subscribers.providers.DatabaseProvider")
LAWREQ_PLATFORM_NAME = os.environ.get("LAWREQ_PLATFORM_NAME", "Example Messaging Platform")
# The function that signs letters: a letter names it, never the people who prepared or approved it.
LAWREQ_SIGNING_FUNCTION = os.environ.get("LAWREQ_SIGNING_FUNCTION", "Law Enforcement Response Team")
# A second factor (TOTP) for the legal team, auditors and operators; on in production.
LAWREQ_REQUIRE_STAFF_OTP = env_bool("LAWREQ_REQUIRE_STAFF_OTP")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Request bodies and query strings may carry personal data: Django's request logger logs
    # paths only at ERROR; keep it there.
    "loggers": {"django.request": {"level": "ERROR"}},
}
