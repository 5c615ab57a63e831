"""Settings for adminduk, read from the environment (one file, strict helpers).

Defaults give a development system on SQLite under var/. Production sets
ADMINDUK_ENV=production, ADMINDUK_SECRET_KEY, ADMINDUK_ALLOWED_HOSTS and DATABASE_URL.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ADMINDUK_VAR_DIR", BASE_DIR / "var"))


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"environment variable {name} is required")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


ENVIRONMENT = env_str("ADMINDUK_ENV", "development")
if ENVIRONMENT not in ("development", "test", "production"):
    raise ImproperlyConfigured("ADMINDUK_ENV must be development, test or production")
PRODUCTION = ENVIRONMENT == "production"


def _dev_secret_key() -> str:
    # Never a secret in the repository: development generates one per checkout.
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env_str("ADMINDUK_SECRET_KEY") if PRODUCTION else os.environ.get("ADMINDUK_SECRET_KEY") or _dev_secret_key()
DEBUG = env_bool("ADMINDUK_DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ADMINDUK_ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "ninja",  # serves Swagger UI for /api/docs from its own static files (no CDN; CSP-clean)
    # Order matters for `adminduk demo`: each app's demo step runs in this order.
    "adminduk.regions",
    "adminduk.accounts",
    "adminduk.audit",
    "adminduk.registry",
    "adminduk.synth",
    "adminduk.documents",
    "adminduk.cardstock",
    "adminduk.elections",
    "adminduk.coverage",
    "adminduk.oversight",
    "adminduk.analytics",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "adminduk.accounts.middleware.SiteLanguage",  # Indonesian unless switched (not Accept-Language)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "adminduk.accounts.middleware.RequireVerifiedSession",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "adminduk.accounts.middleware.ContentSecurityPolicy",
]

ROOT_URLCONF = "adminduk.urls"
WSGI_APPLICATION = "adminduk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "adminduk" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "adminduk.nav.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# SQLite by default (a file under var/, WAL, persistent connections); PostgreSQL when
# DATABASE_URL is set. Both are first-class: CI runs the whole suite on each.
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    # No per-request health check: it cost every API call a round trip ("SELECT 1").
    # After a database restart each worker's next request fails once and Django then
    # drops the broken connection (errors mark it unusable at the end of the request).
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=600, conn_health_checks=False)}
    # Django turns psycopg's prepared statements off (for transaction-mode poolers, which
    # this deployment does not use). Its own cursors bind on the client and never
    # prepare; only adminduk.db.hot_cursor's server-binding cursors do, for the API's
    # per-call statements.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("ADMINDUK_SQLITE_PATH", str(VAR_DIR / "adminduk.sqlite3")),
            "CONN_MAX_AGE": 600,
            "OPTIONS": {
                # IMMEDIATE: a writing transaction takes the write lock at BEGIN, so two
                # writers never deadlock on lock upgrade (matters for concurrent printing).
                "transaction_mode": "IMMEDIATE",
                "timeout": 30,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;"
                    "PRAGMA cache_size=-200000;"
                    "PRAGMA mmap_size=1073741824;"
                    "PRAGMA temp_store=MEMORY;"
                ),
            },
            # The test database is a file, not memory: batch jobs read it through a second
            # connection (ADBC) and concurrency tests use threads. One file per process.
            "TEST": {"NAME": os.environ.get("ADMINDUK_SQLITE_TEST_PATH") or f"/tmp/adminduk-test-{os.getpid()}.sqlite3"},
        }
    }
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Language and time ----------------------------------------------------------------
LANGUAGE_CODE = "id"
LANGUAGES = [("id", "Bahasa Indonesia"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "adminduk" / "locale"]
TIME_ZONE = "Asia/Jakarta"
USE_I18N = True
USE_TZ = True

# --- Static files: served by the app itself (whitenoise), never from a CDN ---------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "adminduk" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not PRODUCTION

# Where exports, extracts and reports are written (never inside the repository).
EXPORT_DIR = Path(os.environ.get("ADMINDUK_EXPORT_DIR", VAR_DIR / "exports"))

# Demo population size for `make run` / `adminduk demo`.
DEMO_RESIDENTS = env_int("ADMINDUK_DEMO_RESIDENTS", 200_000)
DEMO_SEED = env_int("ADMINDUK_DEMO_SEED", 20230118)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("ADMINDUK_LOG_LEVEL", "WARNING")},
}

# --- Security (production hardening; `manage.py check --deploy` must be clean) --------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env_int("ADMINDUK_SESSION_SECONDS", 8 * 3600)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("ADMINDUK_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("ADMINDUK_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Second factor and lockout (accounts.middleware, accounts.throttle). Every page needs a
# session that passed the TOTP step, except these prefixes (the login steps, language
# switch, static files; the API authenticates with its own tokens).
# Not an environment switch on purpose: production cannot be started without it.
ADMINDUK_REQUIRE_OTP = True
ADMINDUK_API_PREFIX = "/api/"
ADMINDUK_PUBLIC_PATHS = ("/akun/masuk/", "/akun/kode/", "/i18n/", STATIC_URL)
ADMINDUK_LOCKOUT_FAILURES = env_int("ADMINDUK_LOCKOUT_FAILURES", 5)
ADMINDUK_LOCKOUT_IP_FAILURES = env_int("ADMINDUK_LOCKOUT_IP_FAILURES", 20)
ADMINDUK_LOCKOUT_MINUTES = env_int("ADMINDUK_LOCKOUT_MINUTES", 15)
OTP_TOTP_ISSUER = "adminduk Dukcapil DKI"

# Content-Security-Policy: everything from this app only, no inline script, no framing.
ADMINDUK_CSP = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
