"""Bastion's settings: one file, typed environment helpers, safe defaults for a laptop.

Production sets DATABASE_URL (PostgreSQL), REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=0.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("BASTION_VAR_DIR", PROJECT_DIR / "var"))


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The default key is for a laptop only; the system check `bastion.E001` refuses it when DEBUG=0.
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-bastion-laptop-only-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "bastion.accounts",
    "bastion.org",
    "bastion.roster",
    "bastion.demo",
    "bastion.campaigns",
    "bastion.checkins",
    "bastion.alerts",
    "bastion.tracing",
    "bastion.campus",
    "bastion.partywork",
    "bastion.notices",
    "bastion.supplies",
    "bastion.liaison",
    "bastion.privacy",
    "bastion.reports",
    "bastion.province",
    "bastion.notify",
    "bastion.dashboards",
    "bastion.ops",
    "bastion.audit",
    "bastion.accounts.apps.BastionAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "treebeard",
    "huey.contrib.djhuey",
    # Lets /api/v1/docs serve Swagger UI from ninja's own static files instead of a CDN.
    "ninja",
    # Single sign-on with the university's CAS, when CAS_SERVER_URL is set (its two tables
    # always exist, so that switching it on needs no migration).
    "django_cas_ng",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "bastion.accounts.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bastion.accounts.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The request (its user, its address) for the audit entries written while it runs.
    "bastion.audit.context.AuditContextMiddleware",
    "bastion.accounts.middleware.SessionIdleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bastion.accounts.middleware.PasswordChangeRequiredMiddleware",
    # After the password change: a first login changes the password, then reads the notice.
    "bastion.privacy.middleware.ConsentRequiredMiddleware",
]

ROOT_URLCONF = "bastion.urls"
# The model-free helpers of bastion/lib are no app: their catalogue is named here.
LOCALE_PATHS = [BASE_DIR / "lib" / "locale"]
WSGI_APPLICATION = "bastion.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bastion.accounts.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bastion.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # A kept connection is checked before a request uses it, so one the database dropped
        # (a restart, a failover) is replaced at once instead of failing that request.
        conn_health_checks=env_bool("DB_CONN_HEALTH_CHECKS", True),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the page server read while an import writes; IMMEDIATE avoids upgrade deadlocks.
    # Connections are kept for DB_CONN_MAX_AGE as on PostgreSQL: opening one and running its
    # PRAGMAs cost every request more than its check-in's own statements. The backend is
    # Django's, with writers queued on a file lock rather than on SQLite's sleeping retries.
    DATABASES["default"]["ENGINE"] = "bastion.lib.sqlite"
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Parameters travel apart from the statement, and psycopg prepares a statement once a
    # connection has run it a few times: the hot ones (a token's lookup, a check-in's
    # INSERT) are then neither parsed nor planned again. Behind PgBouncer in transaction
    # mode, set DB_PREPARE_THRESHOLD=0 (no prepared statements).
    DATABASES["default"]["OPTIONS"] = {
        "server_side_binding": True,
        "prepare_threshold": env_int("DB_PREPARE_THRESHOLD", 5) or None,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "bastion.accounts.cas.CasBackend",  # answers only a CAS ticket (see CAS_SERVER_URL)
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "bastion.accounts.passwords.LengthValidator",
        "OPTIONS": {"min_length": env_int("BASTION_PASSWORD_MIN_LENGTH", 10)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "bastion.accounts.passwords.CharacterClassesValidator",
        "OPTIONS": {"min_classes": 3},
    },
]

# Login throttling (docs/security.md): this many failed passwords for one account, or from one
# client address, within the window lock it for the cooling time. Counted in the database, so
# every server process agrees. BASTION_PROXY_COUNT: how many reverse proxies append to
# X-Forwarded-For (the client is the address the outermost one saw); production sits behind
# one (nginx, as it also trusts its X-Forwarded-Proto), a laptop behind none.
BASTION_LOGIN_FAILURES_PER_ACCOUNT = env_int("BASTION_LOGIN_FAILURES_PER_ACCOUNT", 5)
BASTION_LOGIN_FAILURES_PER_ADDRESS = env_int("BASTION_LOGIN_FAILURES_PER_ADDRESS", 30)
BASTION_LOGIN_WINDOW_MINUTES = env_int("BASTION_LOGIN_WINDOW_MINUTES", 15)
BASTION_LOGIN_LOCKOUT_MINUTES = env_int("BASTION_LOGIN_LOCKOUT_MINUTES", 15)
BASTION_PROXY_COUNT = env_int("BASTION_PROXY_COUNT", 0 if DEBUG else 1)

# Single sign-on with the university's CAS (统一身份认证), off unless CAS_SERVER_URL is set
# (e.g. https://cas.example.edu.cn/cas/). The CAS user is the person's number; a number with
# no account here is refused, never created.
_cas_server = env_str("CAS_SERVER_URL", "").strip()
CAS_SERVER_URL = _cas_server.rstrip("/") + "/" if _cas_server else None  # paths join to it
CAS_VERSION = env_str("CAS_VERSION", "3")
CAS_CREATE_USER = False
CAS_LOGIN_MSG = None
CAS_LOGGED_MSG = None
CAS_LOGOUT_COMPLETELY = True  # a shared computer must not stay logged in at the CAS either
CAS_REDIRECT_URL = "/"
CAS_IGNORE_REFERER = True
CAS_TIMEOUT_SECONDS = env_int("CAS_TIMEOUT_SECONDS", 10)


def CAS_SESSION_FACTORY():
    """The HTTP session that checks tickets: it waits CAS_TIMEOUT_SECONDS at most.

    A function, as django-cas-ng calls the setting; it imports late, as settings load first."""
    from bastion.accounts.cas import TimeoutSession

    return TimeoutSession()


REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Each app keeps its own catalogue in <app>/locale; `make messages` refreshes them all.
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
# A session ends after this many idle hours (SessionIdleMiddleware renews it while in use)
# and, for the shared computers of offices and gates, when the browser closes.
SESSION_ENGINE = "bastion.accounts.sessions"  # Django's database sessions, knowing their expiry
SESSION_COOKIE_AGE = env_int("BASTION_SESSION_IDLE_HOURS", 8) * 3600
SESSION_EXPIRE_AT_BROWSER_CLOSE = env_bool("BASTION_SESSION_BROWSER_CLOSE", True)
CSRF_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SAMESITE = "Lax"
# The Content-Security-Policy and Permissions-Policy: bastion.accounts.middleware.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Background work: Huey on a SQLite file by default, on Redis when REDIS_URL is set.
# HUEY_NAME keeps two installations (or a test's worker) on one Redis apart.
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": env_str("HUEY_NAME", "bastion"),
        "url": REDIS_URL,
        "immediate": False,
        "utc": True,
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the queue's file; a fresh clone has no var/
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": env_str("HUEY_NAME", "bastion"),
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "utc": True,
    }
HUEY["consumer"] = {
    "workers": env_int("HUEY_WORKERS", 2),
    "worker_type": "thread",
    # Every consumer schedules the periodic jobs, and each runs once per minute whatever the
    # number of workers (bastion.ops.periodic); HUEY_PERIODIC=0 only spares a worker the work.
    "periodic": env_bool("HUEY_PERIODIC", True),
    "check_worker_health": True,
    # A worker killed inside a locked task leaves its lock behind, which would stop that
    # periodic job for good; every locked job is idempotent, so a starting worker clears them.
    "flush_locks": True,
}

# Outgoing mail (reminders, alerts). With no EMAIL_HOST (a laptop) mail is written as files
# under var/mail/ rather than sent or printed: nothing lost, nothing flooding the console.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "bastion@localhost")
# Seconds a mail server may take to answer; a send must end well inside its lease below.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
# Seconds an outbox row stays claimed by the attempt under way; a worker killed mid-send
# leaves it claimed, and it is tried again once this has passed (see notify.services).
BASTION_NOTIFY_LEASE_SECONDS = env_int("BASTION_NOTIFY_LEASE_SECONDS", 300)
# A group robot (WeCom or DingTalk format) that receives the university-wide messages.
BASTION_WEBHOOK_URL = env_str("BASTION_WEBHOOK_URL", "")
BASTION_WEBHOOK_FORMAT = env_str("BASTION_WEBHOOK_FORMAT", "wecom")  # or "dingtalk"

# Reporting once (一次填报、多方共享, docs/province.md): a university that is a member of a
# province's Bastion sends its daily report's counts there, signed with the key the province
# gave it. Unset (a laptop, a university on its own, the province itself): nothing is sent.
BASTION_PROVINCE_URL = env_str("BASTION_PROVINCE_URL", "").strip()  # the province's base URL
BASTION_PROVINCE_MEMBER = env_str("BASTION_PROVINCE_MEMBER", "").strip()  # our code there
BASTION_PROVINCE_KEY = env_str("BASTION_PROVINCE_KEY", "")  # the shared secret

# Roster uploads above this are refused before they are read.
BASTION_ROSTER_MAX_BYTES = env_int("BASTION_ROSTER_MAX_BYTES", 20 * 1024 * 1024)
# API bearer tokens live this many days unless revoked earlier.
BASTION_TOKEN_DAYS = env_int("BASTION_TOKEN_DAYS", 90)
# The privacy notice everyone agrees to at their first login (docs/privacy.md). A new version
# asks everyone again: set one when the notice's words change. The retention is part of the
# notice, so changing it asks again too.
BASTION_PRIVACY_NOTICE_VERSION = env_str("BASTION_PRIVACY_NOTICE_VERSION", "2020.1")
# Days a closed campaign's personal health data are kept after its end, before
# `bastion purge_campaign` may delete them (the counts stay).
BASTION_HEALTH_RETENTION_DAYS = env_int("BASTION_HEALTH_RETENTION_DAYS", 180)
# After check-ins, each process refreshes a unit's daily counts at most once per this many
# seconds (0: at once, after every check-in; the laptop and test default).
BASTION_COUNTS_COALESCE_SECONDS = env_int("BASTION_COUNTS_COALESCE_SECONDS", 0 if DEBUG else 1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
