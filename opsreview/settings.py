"""Settings for opsreview, read from the environment.

Every variable is listed, with its default, in the README's configuration table.
SQLite, a server-less Celery broker and locally kept email are the defaults, so the
app runs with no configuration at all; production sets DATABASE_URL and friends.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def envsecret(name: str, default: str = "") -> str:
    """NAME, or the contents of the file named by NAME_FILE (container secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return os.environ.get(name, default)


DEBUG = envbool("DEBUG", False)

SECRET_KEY = envsecret("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DEBUG is off: set SECRET_KEY (or SECRET_KEY_FILE), "
            "or set DEBUG=1 for local development."
        )
    SECRET_KEY = "insecure-local-development-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")
SITE_NAME = os.environ.get("SITE_NAME", "BananaStand")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "opsreview.org",
    "incidents",
    "coe",
    "opsreview.actions",
    "opsreview.reports",
    "opsreview.cloudwatch",
    "opsreview.meetings",
    "wheel",
    "opsreview.home",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "simple_history",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "opsreview.org.middleware.ServiceUnavailableMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "opsreview.org.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "opsreview.urls"
WSGI_APPLICATION = "opsreview.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # The project's and the apps' templates, their indentation left out of pages
            # (opsreview/org/template_loaders.py), cached as Django's own are (the dev server
            # reloads a template that changes).
            "loaders": [
                (
                    "django.template.loaders.cached.Loader",
                    [
                        "opsreview.org.template_loaders.FilesystemLoader",
                        "opsreview.org.template_loaders.AppDirectoriesLoader",
                    ],
                )
            ],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "opsreview.home.context_processors.site",
                "incidents.context_processors.major_incidents",
            ],
        },
    },
]

# Form widgets render through Jinja2 where a widget has a template in that dialect (Django's own
# do): the same HTML at a fraction of the cost (see opsreview/org/form_renderer.py).
FORM_RENDERER = "opsreview.org.form_renderer.FastFormRenderer"

# Database: SQLite under var/ unless DATABASE_URL names another (postgres://… uses psycopg 3).
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            conn_max_age=envint("DB_CONN_MAX_AGE", 600),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"].endswith("postgresql"):
        # A database host that stops answering must cost a request seconds, not minutes.
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "connect_timeout", envint("DB_CONNECT_TIMEOUT", 5)
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "opsreview.sqlite3",
            # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN,
            # so web and worker queue for it (busy timeout) instead of failing mid-transaction.
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
            # A file (not memory) so tests see WAL and live servers share it; one per test run.
            "TEST": {"NAME": VAR_DIR / f"test-opsreview-{os.getpid()}.sqlite3"},
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

# Sign-in throttling (django-axes): an account, or an address, that fails LOGIN_FAILURE_LIMIT
# times is locked for LOGIN_LOCKOUT_MINUTES after its last failure; staff can unlock it sooner.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "opsreview.org.backends.PeopleBackend",
]
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 10)
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", 15)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]  # either one alone locks
# Tries during a lock-out do not extend it, so "locked for N minutes" stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# A success clears that account's failures (opsreview.org.receivers), never its address's.
AXES_RESET_ON_SUCCESS = False
AXES_LOCKOUT_CALLABLE = "opsreview.org.views.accounts.login_locked_out"
AXES_CLIENT_IP_CALLABLE = "opsreview.org.audit.client_address"
# The audit log is the record; unlocking goes through /accounts/lockouts/, which audits it.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
# The client's address: REMOTE_ADDR, unless TRUSTED_PROXY_COUNT proxies each append the address
# they were reached from to CLIENT_ADDRESS_HEADER (then the entry the outermost one appended).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
CLIENT_ADDRESS_HEADER = os.environ.get("CLIENT_ADDRESS_HEADER", "X-Forwarded-For")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# Static files: whitenoise serves them from every web process; no web-node disk state.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Local runs serve straight from the source folders; production from collectstatic's output.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))

AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
AWS_S3_CUSTOM_DOMAIN = os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None
AWS_S3_ADDRESSING_STYLE = os.environ.get("AWS_S3_ADDRESSING_STYLE") or None
AWS_S3_SIGNATURE_VERSION = "s3v4"  # pre-signed image URLs: S3 refuses SigV2 on newer buckets
AWS_DEFAULT_ACL = None
AWS_QUERYSTRING_AUTH = True
AWS_S3_FILE_OVERWRITE = False

# Images attached to COEs (coe.images): the largest file and pixel count accepted, and how long
# a pre-signed S3 URL for one lasts (each page view asks for a fresh one).
IMAGE_MAX_BYTES = envint("IMAGE_MAX_BYTES", 10_000_000)
IMAGE_MAX_PIXELS = envint("IMAGE_MAX_PIXELS", 40_000_000)
IMAGE_URL_SECONDS = envint("IMAGE_URL_SECONDS", 300)


def media_origins() -> list[str]:
    """Where pages load stored images from besides this site: the S3 endpoint, when used."""
    if not AWS_STORAGE_BUCKET_NAME:
        return []
    if AWS_S3_CUSTOM_DOMAIN:
        return [f"https://{AWS_S3_CUSTOM_DOMAIN}"]
    if AWS_S3_ENDPOINT_URL:
        parts = urlsplit(AWS_S3_ENDPOINT_URL)
        return [f"{parts.scheme}://{parts.netloc}"]  # path-style addressing on that host
    return ["https://*.amazonaws.com"]


STORAGES = {
    "default": {
        "BACKEND": "storages.backends.s3.S3Storage"
        if AWS_STORAGE_BUCKET_NAME
        else "django.core.files.storage.FileSystemStorage",
    },
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage",
    },
}

# Email: kept in the database (readable at /reports/outbox/) when DEBUG is on; SMTP by default
# in production, or Amazon SES (EMAIL_TRANSPORT=ses: django-anymail's SES v2 backend on boto3,
# with AWS credentials from boto3's usual chain: environment, profile, or instance/task role).
EMAIL_TRANSPORT = os.environ.get("EMAIL_TRANSPORT", "outbox" if DEBUG else "smtp")
AWS_SES_REGION_NAME = os.environ.get("AWS_SES_REGION_NAME", "us-east-1")
AWS_SES_ENDPOINT_URL = os.environ.get("AWS_SES_ENDPOINT_URL") or None
AWS_SES_CONFIGURATION_SET = os.environ.get("AWS_SES_CONFIGURATION_SET") or None


def ses_mail_options(
    region: str, endpoint_url: str | None = None, configuration_set: str | None = None
) -> dict:
    """MAILERS OPTIONS for anymail's Amazon SES backend (its keyword arguments)."""
    client_params = {"region_name": region}
    if endpoint_url:
        client_params["endpoint_url"] = endpoint_url
    return {"client_params": client_params, "configuration_set_name": configuration_set}


MAIL_BACKENDS = {
    "outbox": "opsreview.org.mail.OutboxBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "console": "django.core.mail.backends.console.EmailBackend",
    "ses": "anymail.backends.amazon_ses.EmailBackend",
}
if EMAIL_TRANSPORT not in MAIL_BACKENDS:
    raise ImproperlyConfigured(
        f"EMAIL_TRANSPORT={EMAIL_TRANSPORT!r}: use one of {', '.join(MAIL_BACKENDS)}."
    )
MAIL_OPTIONS = {
    "outbox": {},
    "file": {"file_path": os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))},
    "smtp": {
        "host": os.environ.get("EMAIL_HOST", "localhost"),
        "port": envint("EMAIL_PORT", 587),
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": envsecret("EMAIL_HOST_PASSWORD"),
        "use_tls": envbool("EMAIL_USE_TLS", True),
        "timeout": envint("EMAIL_TIMEOUT", 30),
    },
    "console": {},
    "ses": ses_mail_options(AWS_SES_REGION_NAME, AWS_SES_ENDPOINT_URL, AWS_SES_CONFIGURATION_SET),
}
MAILERS = {
    "default": {
        "BACKEND": MAIL_BACKENDS[EMAIL_TRANSPORT],
        "OPTIONS": MAIL_OPTIONS[EMAIL_TRANSPORT],
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "opsreview <opsreview@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL


# Django's cache keeps SNS's signing certificates and the ops meeting's metric charts. Each
# process keeps its own unless CACHE_URL names one they share: redis:// or rediss:// (one for
# every web and worker process, so AWS is read once an hour whichever serves the meeting), or
# file:///absolute/folder for the processes of one machine.
def cache_settings(url: str) -> dict:
    parts = urlsplit(url)
    if not url:
        return {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    if parts.scheme in ("redis", "rediss"):
        backend = "django.core.cache.backends.redis.RedisCache"
        # A cache that is down costs a page two seconds, then reads AWS instead.
        options = {"socket_connect_timeout": 2, "socket_timeout": 2}
        return {"default": {"BACKEND": backend, "LOCATION": url, "OPTIONS": options}}
    if parts.scheme == "file" and not parts.netloc and parts.path.startswith("/"):
        backend = "django.core.cache.backends.filebased.FileBasedCache"
        return {"default": {"BACKEND": backend, "LOCATION": parts.path}}
    raise ImproperlyConfigured(
        "CACHE_URL must be redis://host:port/db, rediss://… or file:///absolute/folder, "
        f"not {url!r}."
    )


CACHES = cache_settings(os.environ.get("CACHE_URL", ""))

# Celery: a filesystem broker under var/ needs no server; Redis or RabbitMQ by URL.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    BROKER_DIR = VAR_DIR / "broker"
    for folder in ("queue", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
    # The filesystem transport has no fanout exchange for remote control.
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A task whose worker died unacknowledged is handed out again after this long; keep it
        # above the 30 minutes after which a report's delivery claim may be taken over.
        "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600),
        # A broker that is down or silent costs a page seconds, not minutes.
        "socket_connect_timeout": 2,
        "socket_timeout": 2,
    }
# Publishing to a broker that is down is tried twice, then fails (see ServiceUnavailableMiddleware).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The reports' schedules, as crontab fields "minute hour day-of-month month day-of-week",
# in TIME_ZONE. One beat process runs them; delivery records make each email go out once.
REPORT_WEEKLY_CRON = os.environ.get("REPORT_WEEKLY_CRON", "0 9 * * mon")
REPORT_MONTHLY_CRON = os.environ.get("REPORT_MONTHLY_CRON", "0 9 1 * *")
REPORT_ANNIVERSARY_CRON = os.environ.get("REPORT_ANNIVERSARY_CRON", "0 9 1 * *")
REPORT_SEND_ALL_CLEAR = envbool("REPORT_SEND_ALL_CLEAR", False)


def crontab_schedule(spec: str):
    from celery.schedules import crontab

    minute, hour, day_of_month, month_of_year, day_of_week = spec.split()
    return crontab(minute, hour, day_of_week, day_of_month, month_of_year)


# The weekly ops meeting: its default weekday (0 = Monday) and time, in TIME_ZONE, and when the
# reminder goes to attendees of a meeting that starts the next day.
MEETING_WEEKDAY = envint("MEETING_WEEKDAY", 1)
MEETING_TIME = os.environ.get("MEETING_TIME", "10:00")
MEETING_REMINDER_CRON = os.environ.get("MEETING_REMINDER_CRON", "0 9 * * *")
MEETING_WHEEL_SLUG = os.environ.get("MEETING_WHEEL_SLUG", "")

# CloudWatch (opsreview/cloudwatch): how often beat reads every team's alarms; an endpoint for
# an AWS-compatible service (a moto server for local demos and tests); the SNS topics whose
# alarm messages are accepted (their subscriptions alone are confirmed); the hosts an SNS
# signing certificate may come from (over https), a regular expression; how long the ops
# meeting keeps a team's metric data.
CLOUDWATCH_SYNC_SECONDS = max(60, envint("CLOUDWATCH_SYNC_SECONDS", 300))
AWS_ENDPOINT_URL = os.environ.get("AWS_ENDPOINT_URL", "")
SNS_TOPIC_ARNS = envlist("SNS_TOPIC_ARNS")
SNS_CERT_HOST_PATTERN = os.environ.get(
    "SNS_CERT_HOST_PATTERN", r"sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?"
)
# The certificate authorities trusted when SNS's certificates and subscription links are
# fetched over https: a PEM file, or empty for the system's own.
SNS_CERT_CA_BUNDLE = os.environ.get("SNS_CERT_CA_BUNDLE", "")
CLOUDWATCH_METRICS_CACHE_SECONDS = envint("CLOUDWATCH_METRICS_CACHE_SECONDS", 3600)

CELERY_BEAT_SCHEDULE = {
    "ops-meeting-reminders": {
        "task": "opsreview.meetings.tasks.send_meeting_reminders",
        "schedule": crontab_schedule(MEETING_REMINDER_CRON),
    },
    "weekly-overdue-report": {
        "task": "opsreview.reports.tasks.send_weekly_reports",
        "schedule": crontab_schedule(REPORT_WEEKLY_CRON),
    },
    "monthly-long-term-report": {
        "task": "opsreview.reports.tasks.send_monthly_reports",
        "schedule": crontab_schedule(REPORT_MONTHLY_CRON),
    },
    # Managers hear of their teams' COEs of a year ago whose items are still not done.
    "anniversary-digest": {
        "task": "opsreview.reports.tasks.send_anniversary_reports",
        "schedule": crontab_schedule(REPORT_ANNIVERSARY_CRON),
    },
    # Pages read every team's overdue items as of the stored counts' day, plus the items due
    # since: moving the counts to each new day keeps that correction a day's worth of items.
    "team-item-counts": {
        "task": "opsreview.actions.tasks.recount_team_item_counts",
        "schedule": crontab_schedule(os.environ.get("ITEM_COUNTS_CRON", "5 0 * * *")),
    },
    # Owners hear of their open items due in two days (once per item and due date).
    "items-due-soon": {
        "task": "opsreview.actions.tasks.notify_items_due_soon",
        "schedule": crontab_schedule(os.environ.get("ITEM_DUE_SOON_CRON", "0 8 * * *")),
    },
    # Every team's CloudWatch alarms, read per scope (a scope that failed waits its back-off).
    "cloudwatch-alarms": {
        "task": "opsreview.cloudwatch.tasks.sync_all_alarms",
        "schedule": CLOUDWATCH_SYNC_SECONDS,
    },
}

# Security. Production (DEBUG off) gets HTTPS-only cookies, redirects and HSTS by default.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load-balancer probes speak plain HTTP
if envbool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    # Images on S3 are fetched from the bucket's pre-signed URLs, to which the app redirects.
    "img-src": [CSP.SELF, "data:", *media_origins()],
    "connect-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Incidents: which severities require a COE, and how often open ones must post an update.
INCIDENT_COE_SEVERITIES = [int(sev) for sev in envlist("INCIDENT_COE_SEVERITIES", "1,2")]
INCIDENT_PULSE_MINUTES = {
    int(sev): int(minutes)
    for sev, minutes in (pair.split(":") for pair in envlist("INCIDENT_PULSE_MINUTES", "1:30,2:30"))
}
# Live pages: how often, in seconds, an open incident's page, the incident list and the
# banner of open major incidents ask whether anything changed. "No" is a 204 from one query.
LIVE_POLL_SECONDS = max(1, envint("LIVE_POLL_SECONDS", 5))

# Action items: default due date by term, in days from creation (the writer can change it).
ACTION_ITEM_DUE_DAYS = {
    term: int(days)
    for term, days in (
        pair.split(":") for pair in envlist("ACTION_ITEM_DUE_DAYS", "short:3,medium:28,long:182")
    )
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}
