"""Django settings for hipaaops, read from the environment only (see README: Configuration).

``HIPAAOPS_ENV`` is ``production`` unless said otherwise. Outside ``development`` and ``test``
a missing secret stops start-up with a clear message: the product fails closed.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

from hipaaops.env import env_bool, env_int, env_list, env_str

ENVIRONMENT = (env_str("HIPAAOPS_ENV", "production") or "production").strip().lower()
if ENVIRONMENT not in {"production", "development", "test"}:
    raise ImproperlyConfigured(
        f"HIPAAOPS_ENV must be production, development or test, not {ENVIRONMENT!r}"
    )
DEVELOPMENT = ENVIRONMENT in {"development", "test"}
TESTING = ENVIRONMENT == "test"

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(env_str("HIPAAOPS_DATA_DIR", "var") or "var").resolve()

DEBUG = env_bool("DEBUG", False)


def _development_secrets() -> dict[str, str]:
    """Keys for development, made once and kept in the data folder so restarts can decrypt."""
    if TESTING:
        return {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "FIELD_KEYS": Fernet.generate_key().decode(),
        }
    path = DATA_DIR / "dev-secrets.json"
    if path.exists():
        loaded: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
        return loaded
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    made = {"SECRET_KEY": secrets.token_urlsafe(50), "FIELD_KEYS": Fernet.generate_key().decode()}
    path.write_text(json.dumps(made), encoding="utf-8")
    path.chmod(0o600)
    return made


_dev = _development_secrets() if DEVELOPMENT else {}

SECRET_KEY = env_str("SECRET_KEY") or _dev.get("SECRET_KEY") or ""
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE) to a long random string, "
        "e.g. from: python -c 'import secrets; print(secrets.token_urlsafe(50))'. "
        "Only HIPAAOPS_ENV=development makes one for you."
    )

# Field-encryption keys, newest first, kept apart from SECRET_KEY (45 CFR 164.312(a)(2)(iv)).
FIELD_ENCRYPTION_KEYS = env_list("HIPAAOPS_FIELD_KEYS", [])
if not FIELD_ENCRYPTION_KEYS and _dev:
    FIELD_ENCRYPTION_KEYS = [_dev["FIELD_KEYS"]]
if not FIELD_ENCRYPTION_KEYS:
    raise ImproperlyConfigured(
        "HIPAAOPS_FIELD_KEYS is not set. Set it (or HIPAAOPS_FIELD_KEYS_FILE) to one or more "
        "comma-separated Fernet keys, newest first, e.g. from: hipaaops keys generate. "
        "Only HIPAAOPS_ENV=development makes one for you."
    )
for _key in FIELD_ENCRYPTION_KEYS:
    try:
        Fernet(_key)
    except (ValueError, TypeError) as _exc:
        raise ImproperlyConfigured(
            "HIPAAOPS_FIELD_KEYS holds a value that is not a Fernet key "
            "(32 url-safe base64-encoded bytes)."
        ) from _exc

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]", "testserver"] if DEVELOPMENT else []
)
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS is not set: name the host names this site serves.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    "axes",
    "huey.contrib.djhuey",
    "hipaaops.core",
    "hipaaops.accounts",
    "hipaaops.audit",
    "hipaaops.organizations",
    "hipaaops.api",
    "hipaaops.dashboard",
    "hipaaops.privacy",
    "hipaaops.vendors",
    "hipaaops.inventory",
    "hipaaops.sra",
    "hipaaops.incidents",
    "hipaaops.breaches",
    "hipaaops.catalog",
    "hipaaops.safeguards",
    "hipaaops.readiness",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "hipaaops.core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "hipaaops.core.middleware.IdleLogoffMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "hipaaops.core.middleware.MFARequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hipaaops.urls"
WSGI_APPLICATION = "hipaaops.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hipaaops.core.context_processors.shell",
            ],
        },
    }
]

# Database: SQLite in the data folder unless DATABASE_URL names another (PostgreSQL in production).
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'hipaaops.sqlite3'}",
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(str(DATABASES["default"]["NAME"])).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN so
        # the audit chain's head is read and extended under one lock.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; "
            "PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing cost is not under test; Argon2 stays the production hasher.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]

# Sessions and automatic logoff (45 CFR 164.312(a)(2)(iii)).
SESSION_ENGINE = "django.contrib.sessions.backends.db"
IDLE_TIMEOUT_MINUTES = env_int("HIPAAOPS_IDLE_TIMEOUT_MINUTES", 15, minimum=1, maximum=24 * 60)
IDLE_WARNING_SECONDS = env_int("HIPAAOPS_IDLE_WARNING_SECONDS", 60, minimum=10)
SESSION_COOKIE_AGE = env_int("HIPAAOPS_SESSION_MAX_HOURS", 12, minimum=1, maximum=72) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SECURE_COOKIES = env_bool("HIPAAOPS_SECURE_COOKIES", not DEVELOPMENT)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Transport security in production: TLS terminates in front of gunicorn (README: Deployment).
SECURE_HSTS_SECONDS = env_int("HIPAAOPS_HSTS_SECONDS", 0 if DEVELOPMENT else 31_536_000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_SSL_REDIRECT = env_bool("HIPAAOPS_SSL_REDIRECT", not DEVELOPMENT)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
TRUST_X_FORWARDED = env_bool("HIPAAOPS_TRUST_X_FORWARDED", False)
if TRUST_X_FORWARDED:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content Security Policy on every page: nothing from outside the server, no inline script.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# django-allauth: unique users who sign in by e-mail (45 CFR 164.312(a)(2)(i), 164.312(d)).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = "none" if TESTING else "optional"
ACCOUNT_ADAPTER = "hipaaops.accounts.adapters.AccountAdapter"
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_RATE_LIMITS: bool | dict[str, str] = False if TESTING else {}
ALLOW_SIGNUP = env_bool("HIPAAOPS_ALLOW_SIGNUP", False)
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
MFA_ADAPTER = "hipaaops.accounts.adapters.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = env_str("HIPAAOPS_TOTP_ISSUER", "hipaaops") or "hipaaops"
MFA_TOTP_TOLERANCE = 1
USERSESSIONS_TRACK_ACTIVITY = True
USERSESSIONS_ADAPTER = "hipaaops.accounts.adapters.UserSessionsAdapter"

# django-axes: lockout after repeated failures; every attempt is recorded.
AXES_FAILURE_LIMIT = env_int("HIPAAOPS_LOCKOUT_ATTEMPTS", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("HIPAAOPS_LOCKOUT_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "hipaaops.accounts.adapters.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_PROXY_COUNT = 1 if TRUST_X_FORWARDED else None
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if TRUST_X_FORWARDED else ["REMOTE_ADDR"]
)
AXES_VERBOSE = False

# Emergency access procedure (45 CFR 164.312(a)(2)(ii)).
EMERGENCY_ACCESS_DEFAULT_HOURS = env_int("HIPAAOPS_EMERGENCY_DEFAULT_HOURS", 4, minimum=1)
EMERGENCY_ACCESS_MAX_HOURS = env_int("HIPAAOPS_EMERGENCY_MAX_HOURS", 12, minimum=1, maximum=72)

API_TOKEN_MAX_DAYS = env_int("HIPAAOPS_API_TOKEN_MAX_DAYS", 365, minimum=1)
API_PAGE_SIZE_MAX = 500

# Background jobs: Huey behind the django.tasks API. SQLite queue by default, Redis by REDIS_URL.
REDIS_URL = env_str("REDIS_URL")
TASKS_IMMEDIATE = env_bool("HIPAAOPS_TASKS_IMMEDIATE", TESTING)
HUEY: dict[str, object] = {
    "name": "hipaaops",
    "immediate": TASKS_IMMEDIATE,
    "results": True,
    "store_none": True,
    "utc": True,
    "consumer": {
        "workers": env_int("HIPAAOPS_WORKER_THREADS", 2, minimum=1),
        "worker_type": "thread",
    },
}
if REDIS_URL:
    HUEY.update({"huey_class": "huey.RedisHuey", "url": REDIS_URL})
else:
    HUEY.update({"huey_class": "huey.SqliteHuey", "filename": str(DATA_DIR / "tasks.sqlite3")})
TASKS = {"default": {"BACKEND": "hipaaops.core.tasks_backend.HueyBackend"}}

# E-mail: the console in development, SMTP in production.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else "django.core.mail.backends.console.EmailBackend"
    if DEVELOPMENT
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "hipaaops <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

LANGUAGE_CODE = "en-us"
TIME_ZONE = env_str("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEVELOPMENT
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEVELOPMENT
if DEVELOPMENT:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns when it is missing
MEDIA_ROOT = DATA_DIR / "media"
# Uploaded evidence (the safeguard register's documents) is refused above this size.
EVIDENCE_MAX_BYTES = env_int("HIPAAOPS_EVIDENCE_MAX_MB", 25, minimum=1, maximum=1024) * 1024 * 1024

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "huey": {"level": "WARNING" if TESTING else "INFO"}},
}

os.environ.setdefault("HIPAAOPS_DATA_DIR", str(DATA_DIR))

# Cache (also holds used TOTP codes, so one code cannot be replayed): Redis when configured,
# else a file cache shared by the processes of one host.
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
elif TESTING:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    }

NINJA_PAGINATION_PER_PAGE = 50
# django-ninja reads the cap as NINJA_MAX_PER_PAGE_SIZE (without PAGINATION_).
NINJA_MAX_PER_PAGE_SIZE = API_PAGE_SIZE_MAX

# axes.W006 warns that lockout by user agent or cookie can be dodged; we lock by account name,
# which rotating either does not change (45 CFR 164.308(a)(5)(ii)(C)).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
