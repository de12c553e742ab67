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
    "bastion.reports",
    "bastion.notify",
    "bastion.dashboards",
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
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "bastion.accounts.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "bastion.accounts.middleware.PasswordChangeRequiredMiddleware",
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

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

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
CSRF_COOKIE_SECURE = not DEBUG
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
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "bastion",
        "url": REDIS_URL,
        "immediate": False,
        "utc": True,
    }
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)  # the queue's file; a fresh clone has no var/
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "bastion",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        "utc": True,
    }
HUEY["consumer"] = {
    "workers": env_int("HUEY_WORKERS", 2),
    "worker_type": "thread",
    "periodic": True,
    "check_worker_health": True,
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
# A group robot (WeCom or DingTalk format) that receives the university-wide messages.
BASTION_WEBHOOK_URL = env_str("BASTION_WEBHOOK_URL", "")
BASTION_WEBHOOK_FORMAT = env_str("BASTION_WEBHOOK_FORMAT", "wecom")  # or "dingtalk"

# Roster uploads above this are refused before they are read.
BASTION_ROSTER_MAX_BYTES = env_int("BASTION_ROSTER_MAX_BYTES", 20 * 1024 * 1024)
# API bearer tokens live this many days unless revoked earlier.
BASTION_TOKEN_DAYS = env_int("BASTION_TOKEN_DAYS", 90)
# After check-ins, each process refreshes a unit's daily counts at most once per this many
# seconds (0: at once, after every check-in; the laptop and test default).
BASTION_COUNTS_COALESCE_SECONDS = env_int("BASTION_COUNTS_COALESCE_SECONDS", 0 if DEBUG else 1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
