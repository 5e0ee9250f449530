"""W4R Live settings: one module, configured from the environment.

Every value has a development default that is safe to run on a laptop; a
production deployment sets DJANGO_DEBUG=0 and a real DJANGO_SECRET_KEY, and
`manage.py check --deploy` then passes without warnings. Bad values fail
loudly at start-up instead of being guessed at.
"""

import os
import re
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}"
    )


def env_int(name, default, *, minimum=None):
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {number}")
    return number


_RATE = re.compile(r"^[1-9][0-9]*/(?:[1-9][0-9]*)?[smhd]$")


def env_rate(name, default):
    """A rate such as "10/m" (ten a minute) or "60/15m" (sixty per quarter hour)."""
    value = os.environ.get(name) or default
    if not _RATE.match(value):
        raise ImproperlyConfigured(f"{name} must look like 10/m or 60/15m; got {value!r}")
    return value


def env_list(name, default):
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)
# HTTPS-only settings (secure cookies, HSTS, redirects) follow DEBUG unless
# told otherwise, e.g. for a production-like run on http://127.0.0.1 in tests.
HTTPS = env_bool("DJANGO_HTTPS", not DEBUG)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
# Serving needs a key that outlives the process, since every phone's cookie
# is signed with it: w4r/secret_key.py refuses to serve without one (and
# `check --deploy` fails) unless DJANGO_DEBUG=1. A management command signs
# nothing that outlives it, so `manage.py check` or `makemigrations` run
# with a key of their own.
SECRET_KEY_GIVEN = bool(SECRET_KEY)
if not SECRET_KEY:
    SECRET_KEY = (
        "django-insecure-development-only-key-do-not-use-in-production"
        if DEBUG
        else "unset-for-this-process-only-" + secrets.token_urlsafe(50)
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# The address printed on projector screens and QR codes, e.g. https://w4r.example.org;
# when unset, links are built from the request's own host.
SITE_URL = os.environ.get("SITE_URL", "").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "csp",
    "django_ratelimit",
    "axes",
    "activities",
    "letters",
]

# The header middlewares sit above WhiteNoise so static files get the same
# headers as pages; Axes comes last, as its documentation asks.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "w4r.middleware.SecurityHeadersMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "w4r.urls"
WSGI_APPLICATION = "w4r.wsgi.application"
ASGI_APPLICATION = "w4r.asgi.application"

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
                "django.template.context_processors.i18n",
            ],
        },
    },
]

# The database. SQLite by default, tuned for many concurrent writers: WAL lets
# readers run beside the writer, IMMEDIATE transactions take the write lock at
# BEGIN (so two writers queue instead of dead-locking on upgrade), and the busy
# timeout makes a waiting writer wait rather than fail with "database is locked".
DATA_DIR = Path(os.environ.get("W4R_DATA_DIR", BASE_DIR / "var"))
SQLITE_BUSY_TIMEOUT_SECONDS = env_int("SQLITE_BUSY_TIMEOUT", 20, minimum=1)
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            # Django's SQLite backend, its writers queued in the process.
            "ENGINE": "w4r.sqlite",
            "NAME": DATA_DIR / "db.sqlite3",
        }
    }
_engine = DATABASES["default"]["ENGINE"]
if _engine in ("w4r.sqlite", "django.db.backends.sqlite3"):
    # Requests run on a fixed set of threads (w4r/handler.py), each keeping
    # its connection: opening one and running the PRAGMAs below cost more
    # than the queries of a draft save.
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("DATABASE_CONN_MAX_AGE", 600, minimum=0)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": SQLITE_BUSY_TIMEOUT_SECONDS,
            "init_command": (
                "PRAGMA journal_mode=WAL;"
                "PRAGMA synchronous=NORMAL;"
                f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_SECONDS * 1000};"
                "PRAGMA foreign_keys=ON;"
                "PRAGMA temp_store=MEMORY;"
            ),
        }
    )
elif _engine == "django.db.backends.postgresql":
    if env_bool("DATABASE_POOL", True):
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2, minimum=0),
            "max_size": env_int("DATABASE_POOL_MAX", 10, minimum=1),
            "timeout": 10,
        }
DATABASES["default"].setdefault("TEST", {})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis, when configured, carries live updates between app processes and
# holds the cache; without it one process fans out in memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "w4r",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Axes counts failed sign-ins and locks out a (username, address) pair after
# AXES_FAILURE_LIMIT failures for AXES_COOLOFF_TIME; it must come first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 15, minimum=1))
# Per account and address together: a stranger cannot lock a facilitator out
# from elsewhere, and one school's address does not lock out its teachers.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Keep no log of successful sign-ins (addresses); failures are kept only
# until their cool-off has passed.
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_CALLABLE = "w4r.views.locked_out"
AXES_VERBOSE = False
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("fr", _("French")),
    ("es", _("Spanish")),
    ("ar", _("Arabic")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "var" / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", DATA_DIR / "media"))
# Participants' uploads (drawings) live outside MEDIA_ROOT, which /media/ (or a
# proxy in front) serves to anyone: only views that check who asks read them.
UPLOADS_ROOT = Path(os.environ.get("W4R_UPLOADS_ROOT", DATA_DIR / "uploads"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Case pack uploads: a zip larger than this is refused before it is opened.
CASE_PACK_MAX_BYTES = env_int("CASE_PACK_MAX_BYTES", 50 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "w4r-live@localhost")

# Security (docs/security.md). Behind a TLS-terminating proxy set
# DJANGO_PROXY_SSL_HEADER=1.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# A facilitator signs in again after half a day, so a laptop left signed in
# (or lost) does not open their sessions for weeks.
SESSION_COOKIE_AGE = env_int("DJANGO_SESSION_HOURS", 12, minimum=1) * 60 * 60
CSRF_COOKIE_SAMESITE = "Lax"
# htmx sends the token from the page (hx-headers on <body>), never from the
# cookie, so no script needs to read the cookie.
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Every script and style comes from our own static files: no inline code, no
# eval, no other origin. The QR code is inline SVG markup, so images need
# nothing but 'self'; the live stream and polling are same-origin.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'none'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
    },
}
# Nothing in the app uses these browser features; nothing embedded may either.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), encrypted-media=(), "
    "fullscreen=(self), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), "
    "midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), usb=(), "
    "xr-spatial-tracking=(), browsing-topics=()"
)
CROSS_ORIGIN_RESOURCE_POLICY = "same-origin"
if env_bool("DJANGO_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31_536_000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    LANGUAGE_COOKIE_SECURE = True
    LANGUAGE_COOKIE_NAME = "__Host-language"

# Join floods (activities/floods.py). Counted in the cache: Redis when
# REDIS_URL is set (atomic INCR, shared by every process), otherwise the
# in-process LocMemCache, whose counters are atomic within the one process
# that `make run` starts. A wrong room code counts strictly per address; a
# join generously, since a whole school may share one address.
RATELIMIT_USE_CACHE = "default"
# django-ratelimit warns about caches missing from its list: LocMemCache is
# per process (without Redis the app is one process, `make run`, where it
# is exactly right), and Django's own RedisCache came after the list (its
# incr is Redis's atomic INCRBY).
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if not REDIS_URL:
    SILENCED_SYSTEM_CHECKS.append("django_ratelimit.E003")
W4R_WRONG_CODE_RATE = env_rate("W4R_WRONG_CODE_RATE", "10/m")
W4R_JOIN_RATE = env_rate("W4R_JOIN_RATE", "600/m")
W4R_LOGIN_RATE = env_rate("W4R_LOGIN_RATE", "60/15m")
# A site-wide list of words refused in nicknames when a session's filter is
# on (one word a line, "#" comments, "word*" for a prefix).
W4R_BLOCKED_WORDS_FILE = Path(
    os.environ.get("W4R_BLOCKED_WORDS_FILE", BASE_DIR / "activities" / "blocked_words.txt")
)

# Privacy: participants' content is deleted this many days after a session
# ends (`manage.py purge_expired`, run daily); only anonymous counts stay.
W4R_RETENTION_DAYS = env_int("W4R_RETENTION_DAYS", 30, minimum=1)
# Who to ask about privacy, shown on /privacy (an e-mail address or a URL).
W4R_PRIVACY_CONTACT = os.environ.get("W4R_PRIVACY_CONTACT", "")

# Requests that run Django's code at once in one process (w4r/handler.py);
# the others wait on the event loop. Streams hold a turn only while opening.
W4R_REQUEST_THREADS = env_int("W4R_REQUEST_THREADS", 16, minimum=1)

# Live sessions.
PARTICIPANT_COOKIE = "__Host-w4r-participant" if HTTPS else "w4r-participant"
PARTICIPANT_COOKIE_MAX_AGE = 60 * 60 * 24 * 2
W4R_DEMO_FACILITATOR = env_bool("W4R_DEMO_FACILITATOR", DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # Axes logs every sign-in at INFO with the address: warnings (lockouts) only.
    "loggers": {"django.db.backends": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}
