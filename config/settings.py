"""Sigap settings: every value comes from the environment through the strict helpers below.

The defaults are the embedded run (SQLite, a filesystem broker, everything under ./var),
so `make run` works on a machine with nothing but Python. Production sets DATABASE_URL,
CELERY_BROKER_URL, SECRET_KEY, ALLOWED_HOSTS and DEBUG=0. `.env.example` lists them all.
"""

from __future__ import annotations

import os
import re
import secrets
from datetime import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use 1/0, true/false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not an integer") from exc


def env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a number") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_weekdays(name: str, default: str) -> tuple[int, ...]:
    """Weekday numbers, Monday = 0 ... Sunday = 6, e.g. "0,1,2,3,4"; at least one, no repeats."""
    raw = os.environ.get(name, default)
    items = [item.strip() for item in raw.split(",")]
    if not all(re.fullmatch(r"[0-6]", item) for item in items):
        raise ImproperlyConfigured(f"{name}={raw!r}: list weekdays as numbers 0 (Monday) to 6")
    days = tuple(int(item) for item in items)
    if len(set(days)) != len(days):
        raise ImproperlyConfigured(f"{name}={raw!r} repeats a weekday")
    return tuple(sorted(days))


_TIME_RANGE = re.compile(r"([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)")


def env_time_ranges(name: str, default: str) -> tuple[tuple[time, time], ...]:
    """Daily hours as "HH:MM-HH:MM" ranges, comma-separated, ascending, not overlapping.

    "08:00-12:00,13:00-16:00" is a day with a lunch break. A range ends after it starts
    on the same day (no overnight shifts: a 24-hour service runs on wall time instead).
    """
    raw = os.environ.get(name, default)
    ranges: list[tuple[time, time]] = []
    for item in (part.strip() for part in raw.split(",")):
        match = _TIME_RANGE.fullmatch(item)
        if match is None:
            raise ImproperlyConfigured(f"{name}={raw!r}: write each range as HH:MM-HH:MM")
        start = time(int(match.group(1)), int(match.group(2)))
        end = time(int(match.group(3)), int(match.group(4)))
        if end <= start:
            raise ImproperlyConfigured(f"{name}={raw!r}: {item} ends before it starts")
        if ranges and start < ranges[-1][1]:
            raise ImproperlyConfigured(f"{name}={raw!r}: ranges must ascend without overlap")
        ranges.append((start, end))
    return tuple(ranges)


VAR_DIR = Path(env_str("SIGAP_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; the embedded run keeps a generated one in var/."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# The public address citizens are sent to (tracking links in API answers and replies).
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "complaints",
    "dispositions",
    "channels_intake",
    "dashboard",
    # Sign-in defence (docs/sign-in.md): lockout, two-factor codes, CSP headers.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    # Inbound email webhooks only (channels_intake/providers/email/webhook.py); replies go through
    # EMAIL_BACKEND.
    "anymail",
    "integrations",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "config.log_context.RequestIdMiddleware",
    "config.request_guard.RequestGuardMiddleware",
    "config.request_guard.DatabaseUnavailableMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "complaints.session_idle.IdleSessionMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "complaints.two_factor.TwoFactorMiddleware",
    "complaints.audit.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a lockout raised by the backend into the page.
    "axes.middleware.AxesMiddleware",
]
# django-axes checks the lockout before Django's own backend checks the password.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
AUTH_USER_MODEL = "complaints.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard:home"
LOGOUT_REDIRECT_URL = "complaints:home"

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


def _database(url: str) -> dict[str, Any]:
    config = dj_database_url.parse(url)
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        # WAL lets the web server read while the worker writes; IMMEDIATE takes the write
        # lock at BEGIN so two writers queue on busy_timeout instead of failing mid-way.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
        # A file (not :memory:) so the real worker processes of the slow tests share it.
        config["TEST"] = {"NAME": str(VAR_DIR / "test-sigap.sqlite3")}
    elif engine == "django.db.backends.postgresql":
        config["CONN_MAX_AGE"] = 0  # the pool owns connection reuse
        config["OPTIONS"] = {
            "pool": {"min_size": 1, "max_size": env_int("DATABASE_POOL_MAX", 10), "timeout": 10}
        }
    else:
        raise ImproperlyConfigured(f"DATABASE_URL engine {engine} is not supported")
    return config


DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'sigap.sqlite3'}")
DATABASES = {"default": _database(DATABASE_URL)}
# A read replica (docs/scaling.md): the report and statistics pages read from it through
# config/db_router.py; unset, everything uses the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = _database(DATABASE_REPLICA_URL)
    DATABASES["replica"]["TEST"] = {**DATABASES["replica"].get("TEST", {}), "MIRROR": "default"}
DATABASE_ROUTERS = ["config.db_router.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = env_str("LANGUAGE_CODE", "id")
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Jakarta")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
# Django serves uploads itself unless a front server (nginx) does; names are random.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
# Large exports (docs/reports.md "Export jobs") are files only their owner may download:
# kept outside MEDIA_ROOT, which may be served publicly.
EXPORT_ROOT = Path(env_str("EXPORT_ROOT", str(VAR_DIR / "exports")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "exports": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(EXPORT_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Uploads: checked in complaints/images.py, limits here so a deployment can tune them.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
UPLOAD_MAX_PIXELS = env_int("UPLOAD_MAX_PIXELS", 40_000_000)
UPLOAD_MAX_PHOTOS = env_int("UPLOAD_MAX_PHOTOS", 5)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# The request guard (config/request_guard.py, docs/hardening.md): bodies over these sizes
# are refused with 413 before any view reads them, JSON nested deeper with 400. A multipart
# upload may carry every photo at its limit; the email webhooks whole messages (Postmark
# posts its 35 MB inbound as one JSON body).
REQUEST_MAX_JSON_DEPTH = env_int("REQUEST_MAX_JSON_DEPTH", 32)
REQUEST_MAX_UPLOAD_BYTES = UPLOAD_MAX_BYTES * UPLOAD_MAX_PHOTOS + DATA_UPLOAD_MAX_MEMORY_SIZE
# Seconds a client is told to wait (Retry-After) when the database cannot be reached.
DATABASE_UNAVAILABLE_RETRY_AFTER = env_int("DATABASE_UNAVAILABLE_RETRY_AFTER", 5)
REQUEST_BODY_LIMITS = {"/webhooks/email/": 40 * 1024 * 1024}

# The citizen's map pin: a deployment may point at its own tile server. With none
# reachable the map stays blank and typed coordinates still work.
MAP_TILE_URL = env_str("MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png")

# Deadlines used when a complaint has no category yet (working hours, see docs/deadlines.md).
# One working day to respond; five to resolve, as SP4N-LAPOR! expects a follow-up.
DEFAULT_RESPONSE_HOURS = env_int("DEFAULT_RESPONSE_HOURS", 8)
DEFAULT_RESOLUTION_HOURS = env_int("DEFAULT_RESOLUTION_HOURS", 5 * 8)
# Working time in TIME_ZONE: the days (Monday = 0) and the daily hours deadlines count.
WORKING_DAYS = env_weekdays("WORKING_DAYS", "0,1,2,3,4")
WORKING_HOURS = env_time_ranges("WORKING_HOURS", "08:00-16:00")
# Which of the `holidays` package's Indonesian categories are days off: "public" (hari
# libur nasional) and "government" (cuti bersama for civil servants, per the SKB).
HOLIDAY_CATEGORIES = tuple(env_list("HOLIDAY_CATEGORIES", "public,government"))
if not set(HOLIDAY_CATEGORIES) <= {"public", "government"}:
    raise ImproperlyConfigured(
        f"HOLIDAY_CATEGORIES={','.join(HOLIDAY_CATEGORIES)!r}: use public and/or government"
    )
# The categorizer: at or above this confidence (0-1) a complaint without a category is
# categorized and routed by itself; below it goes to the operators' triage queue with
# suggestions. Trained models live outside MEDIA_ROOT, which may be served publicly.
CATEGORIZER_THRESHOLD = env_float("CATEGORIZER_THRESHOLD", 0.6)
if not 0 < CATEGORIZER_THRESHOLD <= 1:
    raise ImproperlyConfigured("CATEGORIZER_THRESHOLD must be above 0 and at most 1")
CATEGORIZER_MODEL_DIR = Path(env_str("CATEGORIZER_MODEL_DIR", str(VAR_DIR / "models")))
# Days a citizen may reopen after "resolved" before it closes by itself.
REOPEN_WINDOW_DAYS = env_int("REOPEN_WINDOW_DAYS", 7)

# WhatsApp Business Cloud API. Without the app secret the webhook refuses every POST (503):
# unsigned traffic is never accepted.
WHATSAPP_APP_SECRET = env_str("WHATSAPP_APP_SECRET", "")
WHATSAPP_VERIFY_TOKEN = env_str("WHATSAPP_VERIFY_TOKEN", "")
WHATSAPP_ACCESS_TOKEN = env_str("WHATSAPP_ACCESS_TOKEN", "")
WHATSAPP_PHONE_NUMBER_ID = env_str("WHATSAPP_PHONE_NUMBER_ID", "")
WHATSAPP_API_BASE = env_str("WHATSAPP_API_BASE", "https://graph.facebook.com/v21.0").rstrip("/")
# The other channels (README "Channels"). Each webhook answers 503 until its secret is
# set; each sender writes to the log only until its credentials are set. The *_API_BASE
# values default to the provider's real API; tests point them at a local server.
TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = env_str("TWILIO_FROM_NUMBER", "")
TWILIO_API_BASE = env_str("TWILIO_API_BASE", "https://api.twilio.com").rstrip("/")
SMS_GATEWAY_TOKEN = env_str("SMS_GATEWAY_TOKEN", "")
SMS_GATEWAY_SEND_URL = env_str("SMS_GATEWAY_SEND_URL", "")
X_CONSUMER_SECRET = env_str("X_CONSUMER_SECRET", "")
X_BEARER_TOKEN = env_str("X_BEARER_TOKEN", "")
X_API_BASE = env_str("X_API_BASE", "https://api.x.com").rstrip("/")
META_APP_SECRET = env_str("META_APP_SECRET", "")
META_VERIFY_TOKEN = env_str("META_VERIFY_TOKEN", "")
META_PAGE_ACCESS_TOKEN = env_str("META_PAGE_ACCESS_TOKEN", "")
META_API_BASE = env_str("META_API_BASE", "https://graph.facebook.com/v21.0").rstrip("/")
TELEGRAM_BOT_TOKEN = env_str("TELEGRAM_BOT_TOKEN", "")
TELEGRAM_SECRET_TOKEN = env_str("TELEGRAM_SECRET_TOKEN", "")
TELEGRAM_API_BASE = env_str("TELEGRAM_API_BASE", "https://api.telegram.org").rstrip("/")
# Chat messages from one sender within this many seconds of the last one join the same
# draft complaint (docs/conversations.md); the draft is submitted when it passes.
CONVERSATION_WINDOW_SECONDS = env_int("CONVERSATION_WINDOW_SECONDS", 300)
if CONVERSATION_WINDOW_SECONDS < 0:
    raise ImproperlyConfigured("CONVERSATION_WINDOW_SECONDS must not be negative")
# Signed deliveries stamped more than this many hours ago (or this many seconds ahead) are
# refused as replays (channels_intake/providers/webhooks.py stale_refusal); 0 turns it off.
# Meta retries for 7 days, so 8 days lets every honest retry through.
INBOUND_MAX_AGE_HOURS = env_int("INBOUND_MAX_AGE_HOURS", 8 * 24)
INBOUND_MAX_CLOCK_SKEW_SECONDS = env_int("INBOUND_MAX_CLOCK_SKEW_SECONDS", 3600)
# Largest file fetched from a provider (photos, audio, documents), in megabytes.
INBOUND_MEDIA_MAX_MB = env_int("INBOUND_MEDIA_MAX_MB", 16)
# Probable duplicates (docs/duplicates.md): an open complaint of the same category within
# this many metres and days, whose text is at least this similar (percent, character
# 3-gram cosine); without coordinates the same kelurahan and a stricter similarity.
DUPLICATE_WINDOW_DAYS = env_int("DUPLICATE_WINDOW_DAYS", 14)
DUPLICATE_RADIUS_METERS = env_int("DUPLICATE_RADIUS_METERS", 100)
DUPLICATE_MIN_SIMILARITY = env_int("DUPLICATE_MIN_SIMILARITY", 50)
DUPLICATE_MIN_SIMILARITY_SAME_AREA = env_int("DUPLICATE_MIN_SIMILARITY_SAME_AREA", 80)

# The escalation ladder (dispositions/escalation.py, docs/escalation.md), in wall hours.
# The due-soon reminder fires at the later of "N hours before the deadline" and "P% of
# the time used", so a 2-hour emergency deadline is not reminded of at the moment it opens.
ESCALATION_DUE_SOON_HOURS = env_int("ESCALATION_DUE_SOON_HOURS", 2)
ESCALATION_DUE_SOON_PERCENT = env_int("ESCALATION_DUE_SOON_PERCENT", 80)
# Hours past the deadline before the supervisor hears of it, and before a sanction is
# recorded (Jakarta cuts the performance pay of officers unresponsive for 6 days: 144).
ESCALATION_SUPERVISOR_AFTER_HOURS = env_int("ESCALATION_SUPERVISOR_AFTER_HOURS", 24)
ESCALATION_SANCTION_AFTER_HOURS = env_int("ESCALATION_SANCTION_AFTER_HOURS", 72)
if not 0 < ESCALATION_DUE_SOON_PERCENT <= 100:
    raise ImproperlyConfigured("ESCALATION_DUE_SOON_PERCENT must be between 1 and 100")
if not 0 <= ESCALATION_SUPERVISOR_AFTER_HOURS <= ESCALATION_SANCTION_AFTER_HOURS:
    raise ImproperlyConfigured(
        "ESCALATION_SUPERVISOR_AFTER_HOURS must be at least 0 and at most "
        "ESCALATION_SANCTION_AFTER_HOURS"
    )
if ESCALATION_DUE_SOON_HOURS < 0:
    raise ImproperlyConfigured("ESCALATION_DUE_SOON_HOURS must not be negative")
# How often beat runs the ladder (seconds). A minute in production; the chaos test of two
# beats at once shortens it so both send the task many times within seconds.
ESCALATION_INTERVAL_SECONDS = env_int("ESCALATION_INTERVAL_SECONDS", 60)
if ESCALATION_INTERVAL_SECONDS < 1:
    raise ImproperlyConfigured("ESCALATION_INTERVAL_SECONDS must be at least 1")

# The staff queue's "due soon" badge and filter: an open complaint whose deadline falls
# within this many hours (a working day ahead by default; escalation has its own rule).
QUEUE_DUE_SOON_HOURS = env_int("QUEUE_DUE_SOON_HOURS", 24)
if QUEUE_DUE_SOON_HOURS < 1:
    raise ImproperlyConfigured("QUEUE_DUE_SOON_HOURS must be at least 1")

# Email (escalation notices). The console backend prints mail in the worker's log, which
# is what the embedded run wants; production sets the SMTP backend and its server.
# The console backend's output is scrubbed of addresses, phones and NIKs like the logs.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "config.log_context.RedactingConsoleEmailBackend")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Sigap <sigap@localhost>")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = 10  # seconds: a dead mail server must not hold the beat task for long

# The inbox's safety net (docs/resilience.md): every INBOX_RELAY_INTERVAL_SECONDS beat
# relays messages still "received" INBOX_RELAY_AFTER_SECONDS after they arrived, whose
# enqueue was lost (broker down). The wait keeps it off messages whose task is on its way.
INBOX_RELAY_INTERVAL_SECONDS = env_int("INBOX_RELAY_INTERVAL_SECONDS", 60)
INBOX_RELAY_AFTER_SECONDS = env_int("INBOX_RELAY_AFTER_SECONDS", 30)
if INBOX_RELAY_INTERVAL_SECONDS < 1:
    raise ImproperlyConfigured("INBOX_RELAY_INTERVAL_SECONDS must be at least 1")
if INBOX_RELAY_AFTER_SECONDS < 0:
    raise ImproperlyConfigured("INBOX_RELAY_AFTER_SECONDS must not be negative")
# Inbound email (docs/channels/email.md). Provider webhooks under /webhooks/email/ answer
# 503 until their secret is set: Mailgun's needs MAILGUN_WEBHOOK_SIGNING_KEY, every other
# provider's (Postmark) the basic-auth "user:pass" below, which Anymail reads under this
# very name and checks on every provider's request when it is set.
ANYMAIL_WEBHOOK_SECRET = env_str("ANYMAIL_WEBHOOK_SECRET", "")
MAILGUN_WEBHOOK_SIGNING_KEY = env_str("MAILGUN_WEBHOOK_SIGNING_KEY", "")
# A mailbox without a provider: `manage.py poll_imap` (and, when IMAP_HOST is set, the
# beat) fetches its unseen messages into the same inbox as the webhooks.
IMAP_HOST = env_str("IMAP_HOST", "")
IMAP_PORT = env_int("IMAP_PORT", 993)
IMAP_USER = env_str("IMAP_USER", "")
IMAP_PASSWORD = env_str("IMAP_PASSWORD", "")
IMAP_FOLDER = env_str("IMAP_FOLDER", "INBOX")
IMAP_SSL = env_bool("IMAP_SSL", True)

# WhatsApp replies (docs/outbox.md); the WHATSAPP_* credentials are set above.
# Minutes a send may stay unfinished before the sweeper flags its outcome as unknown.
OUTBOX_STUCK_MINUTES = env_int("OUTBOX_STUCK_MINUTES", 10)
if OUTBOX_STUCK_MINUTES < 1:
    raise ImproperlyConfigured("OUTBOX_STUCK_MINUTES must be at least 1")

# Celery: the embedded default is kombu's filesystem transport under var/broker.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
_BROKER_DIR = VAR_DIR / "broker"
if CELERY_BROKER_URL.startswith("filesystem://"):
    for sub in ("queue", "processed", "control"):
        (_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "processed_folder": str(_BROKER_DIR / "processed"),
        "control_folder": str(_BROKER_DIR / "control"),
        "store_processed": False,
        # The worker polls the folder; a quarter second keeps routing near-instant.
        "polling_interval": 0.25,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A short connect timeout so a dead Redis fails a publish fast instead of hanging.
        "socket_connect_timeout": 3,
        "socket_timeout": 5,
        # One connection attempt when a publish without retries (apply_async(retry=False),
        # the webhooks' enqueue) finds no connection. Unset, kombu keeps trying for
        # broker_connection_timeout with 2 s pauses: 6 s per message while Redis is down
        # (docs/resilience.md). Publishes with retries, beat and the worker's own
        # reconnection use their own retry settings and are unaffected.
        "max_retries": 0,
        # A message taken by a worker that died without acknowledging it (kill -9, a lost
        # machine) goes back on the queue after this many seconds. It must exceed the
        # longest countdown a task is given (retries back off up to minutes), or a waiting
        # retry is delivered twice; the tasks are idempotent either way (docs/hardening.md).
        "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT_SECONDS", 3600),
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
# Queues of their own (STYLE.md: intake, notify, default), so a citizen's acknowledgement
# and the routing of complaints never wait behind a backlog of other people's incoming
# messages: a worker serving several queues takes from each in turn (docs/scaling.md).
CELERY_TASK_ROUTES = {
    "channels_intake.process_inbound": {"queue": "intake"},
    "channels_intake.process_partner_inbound": {"queue": "intake"},
    "channels_intake.fetch_media": {"queue": "intake"},
    "integrations.fetch_open311_media": {"queue": "intake"},
    "channels_intake.reply_to_event": {"queue": "notify"},
    "channels_intake.send_outbound": {"queue": "notify"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # Safety net: anything created while the broker was unreachable is routed anyway.
    "route-stranded-complaints": {
        "task": "dispositions.route_stranded_complaints",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Silence after "resolved" for REOPEN_WINDOW_DAYS closes the complaint.
    "close-silent-resolved": {
        "task": "dispositions.close_silent_resolved",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # The escalation ladder: reminders, notices to the head and supervisor, sanctions.
    "escalate-deadlines": {
        "task": "dispositions.escalate_deadlines",
        "schedule": float(ESCALATION_INTERVAL_SECONDS),
        "options": {"expires": max(1, ESCALATION_INTERVAL_SECONDS - 5)},
    },
    # Safety net: inbound messages stored while the broker was unreachable are processed anyway.
    "relay-stranded-inbound": {
        "task": "channels_intake.relay_stranded_inbound",
        "schedule": float(INBOX_RELAY_INTERVAL_SECONDS),
        # A run not started before the next one is sent is dropped, not piled up.
        "options": {"expires": max(1, INBOX_RELAY_INTERVAL_SECONDS - 5)},
    },
    # Chat drafts whose window passed become complaints.
    "submit-due-conversations": {
        "task": "channels_intake.submit_due_conversations",
        "schedule": 30.0,
        "options": {"expires": 25},
    },
    # Replies to citizens: re-enqueue lost sends, flag sends a dead worker left unfinished.
    "sweep-outbox": {
        "task": "channels_intake.sweep_outbox",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Outbound webhooks and the LAPOR! bridge: send due retries, free stuck sends.
    "sweep-deliveries": {
        "task": "integrations.sweep_deliveries",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    "purge-pending-uploads": {
        "task": "complaints.purge_pending_uploads",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Report facts absorb the events and ratings past their high-water mark.
    "refresh-report-facts": {
        "task": "dashboard.refresh_report_facts",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # /statistik/ answers from the cache (5 min); recomputed before it expires.
    "warm-public-statistics": {
        "task": "dashboard.warm_public_statistics",
        "schedule": 240.0,
        "options": {"expires": 230},
    },
}
if IMAP_HOST:
    # A mailbox polled over IMAP: its unseen messages join the inbox every minute.
    CELERY_BEAT_SCHEDULE["poll-imap"] = {
        "task": "channels_intake.poll_imap",
        "schedule": 60.0,
        "options": {"expires": 55},
    }

REST_FRAMEWORK = {
    # None of these gets around the second factor (complaints/api/auth.py): a token made
    # after it, a session that passed it, or Basic for accounts that owe none. The token
    # first: a client without credentials gets 401 with `WWW-Authenticate: Bearer`.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "complaints.api.auth.StaffTokenAuthentication",
        "complaints.api.auth.NoSecondFactorBasicAuthentication",
        "complaints.api.auth.VerifiedSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"public_create": env_str("PUBLIC_CREATE_RATE", "30/hour")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Sigap API",
    "DESCRIPTION": "Complaints in, status out. Version 1 names are a contract.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from our own static files: API docs work offline and without a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# /healthz connects to the broker at most once per this many seconds per process and
# repeats the last answer in between: a load balancer polling every second must not open
# a broker connection per poll (issue 11 measured a p99 of 3.4 s).
HEALTHZ_BROKER_CHECK_SECONDS = env_int("HEALTHZ_BROKER_CHECK_SECONDS", 15)
# Per-process memory by default; CACHE_URL=redis://... shares counters (rate limits) across
# gunicorn workers and servers.
CACHE_URL = env_str("CACHE_URL", "")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    if CACHE_URL
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}
# Proxies in front of Sigap that append to X-Forwarded-For (nginx, a load balancer): the
# client's address is read that many entries from the right (complaints/client_ip.py).
# 0, the default, ignores the header: safe when Sigap is reached directly, and a proxy
# that is not counted makes every client share the proxy's address (limits hit early),
# never lets a client forge its own.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must not be negative")
# Rate limits (django-ratelimit's "N/period" with s, m, h or d; docs/hardening.md). A
# mobile carrier's NAT puts many citizens behind one address, hence the generous defaults.
PUBLIC_FORM_RATE = env_str("PUBLIC_FORM_RATE", "30/h")
# The tracking lookup by code + phone: failed attempts allowed per client and window.
TRACK_LOOKUP_MAX_FAILURES = env_int("TRACK_LOOKUP_MAX_FAILURES", 10)
TRACK_LOOKUP_WINDOW_MINUTES = env_int("TRACK_LOOKUP_WINDOW_MINUTES", 15)

# Logs (docs/hardening.md): every line carries the request id and is scrubbed of phone
# numbers, emails and NIKs (config/log_context.py). LOG_FORMAT=json in production writes
# one JSON object per line; plain suits a terminal.
LOG_FORMAT = env_str("LOG_FORMAT", "plain")
if LOG_FORMAT not in ("plain", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be plain or json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"personal_data": {"()": "config.log_context.PersonalDataFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["personal_data"],
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
# The worker keeps Django's handlers (and so the redaction) instead of installing its own.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

if not DEBUG:
    SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
    CSRF_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0)
    # Off by default: a government domain's other subdomains are often not all on HTTPS.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    SECURE_PROXY_SSL_HEADER = (
        ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY", False) else None
    )

# Sign-in defence (docs/sign-in.md).
# django-axes: an account, and separately an address, is locked after this many failed
# sign-ins in a row, for AXES_COOLOFF_TIME hours; an administrator unlocks at once in the
# admin (Axes > Access attempts) or with `manage.py axes_reset_username NAME`.
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = env_float("LOGIN_LOCKOUT_HOURS", 1.0)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "complaints.client_ip.client_ip"
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Two-factor sign-in (django-otp, TOTP with recovery codes): required for these roles and
# for superusers; agency staff only when TWO_FACTOR_AGENCY_STAFF is on.
TWO_FACTOR_REQUIRED = True  # tests/conftest.py turns it off for tests not marked two_factor
TWO_FACTOR_REQUIRED_ROLES = ["operator", "supervisor", "admin"]
if env_bool("TWO_FACTOR_AGENCY_STAFF", False):
    TWO_FACTOR_REQUIRED_ROLES += ["agency_staff", "agency_head"]
# Days a staff API token (made after the second factor, complaints/api_tokens.py) works.
STAFF_API_TOKEN_DAYS = env_int("STAFF_API_TOKEN_DAYS", 30)
if STAFF_API_TOKEN_DAYS < 1:
    raise ImproperlyConfigured("STAFF_API_TOKEN_DAYS must be at least 1")
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Sigap")
# Idle expiry: a staff session ends this many minutes after its last request
# (complaints/session_idle.py); and after SESSION_MAX_HOURS whatever happens.
SESSION_IDLE_MINUTES = env_int("SESSION_IDLE_MINUTES", 30)
if SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES must be at least 1")
SESSION_COOKIE_AGE = env_int("SESSION_MAX_HOURS", 12) * 3600
# Content-Security-Policy (django-csp): scripts, styles and fonts only from Sigap itself,
# no inline script; images also from the map's tile server (MAP_TILE_URL).
_TILE = urlsplit(MAP_TILE_URL)
_TILE_ORIGINS = [f"{_TILE.scheme}://{_TILE.netloc}"] if _TILE.netloc else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *_TILE_ORIGINS],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Public and staff maps (docs/public-pages.md): where the map opens, "lat,lon,zoom".
# MAP_TILE_URL above is their background too; an empty value draws the points on a plain
# background, which is what closed networks and the tests get.
MAP_CENTER = env_str("MAP_CENTER", "-6.914,107.609,12")

# Open data (docs/public-pages.md): the daily CSV/JSON of the public complaint list.
OPEN_DATA_DIR = Path(env_str("OPEN_DATA_DIR", str(VAR_DIR / "open-data")))
CELERY_BEAT_SCHEDULE["export-open-data"] = {
    "task": "complaints.export_open_data",
    "schedule": 24 * 3600.0,
    "options": {"expires": 3600},
}
# Exports (docs/reports.md): above this many rows a list or section export runs as a
# Celery job with a progress page; its file is kept EXPORT_KEEP_HOURS, then removed.
EXPORT_ASYNC_ROWS = env_int("EXPORT_ASYNC_ROWS", 50_000)
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
if EXPORT_ASYNC_ROWS < 1 or EXPORT_KEEP_HOURS < 1:
    raise ImproperlyConfigured("EXPORT_ASYNC_ROWS and EXPORT_KEEP_HOURS must be at least 1")
CELERY_BEAT_SCHEDULE["sweep-export-jobs"] = {
    "task": "dashboard.sweep_export_jobs",
    "schedule": 300.0,
    "options": {"expires": 290},
}
# Vehicle plates in public text: masked only if the deployment asks (docs/public-pages.md).
MASK_VEHICLE_PLATES = env_bool("MASK_VEHICLE_PLATES", False)
# The public map's city-zoom summary (docs/public-pages.md): new complaints show there
# within this many seconds; street zoom is always live.
MAP_CELLS_REFRESH_SECONDS = env_int("MAP_CELLS_REFRESH_SECONDS", 300)
CELERY_BEAT_SCHEDULE["refresh-map-cells"] = {
    "task": "complaints.refresh_map_cells",
    "schedule": float(MAP_CELLS_REFRESH_SECONDS),
    "options": {"expires": max(1, MAP_CELLS_REFRESH_SECONDS - 5)},
}
# SP4N-LAPOR! bridge (integrations/lapor, docs/lapor.md). Empty base URL: the bridge is
# off (no polling); updates of linked complaints wait in the delivery table.
LAPOR_BASE_URL = env_str("LAPOR_BASE_URL", "")
LAPOR_TOKEN = env_str("LAPOR_TOKEN", "")
LAPOR_ADAPTER = env_str("LAPOR_ADAPTER", "integrations.lapor.adapter.HttpLaporAdapter")
# The partner key LAPOR! reports enter through (made on first use if missing).
LAPOR_PARTNER_NAME = env_str("LAPOR_PARTNER_NAME", "SP4N-LAPOR!")
LAPOR_POLL_SECONDS = env_int("LAPOR_POLL_SECONDS", 60)
# First retry of an outbound delivery (webhooks, LAPOR!) after this many seconds, doubling.
DELIVERY_BACKOFF_SECONDS = env_int("DELIVERY_BACKOFF_SECONDS", 30)
# Open311 `media_url` fetches (integrations/open311/media.py, docs/open311.md): the
# largest picture, the whole download's time, and hosts exempt from the SSRF guard's
# public-address and port rule (comma-separated; a test server, an in-house media host).
OPEN311_MEDIA_MAX_MB = env_int("OPEN311_MEDIA_MAX_MB", 5)
OPEN311_MEDIA_TIMEOUT_SECONDS = env_int("OPEN311_MEDIA_TIMEOUT_SECONDS", 15)
OPEN311_MEDIA_ALLOWED_HOSTS = env_list("OPEN311_MEDIA_ALLOWED_HOSTS", "")
CELERY_BEAT_SCHEDULE["sweep-open311-media"] = {
    "task": "integrations.sweep_open311_media",
    "schedule": 600.0,
    "options": {"expires": 590},
}
if LAPOR_BASE_URL:
    CELERY_BEAT_SCHEDULE["lapor-pull"] = {
        "task": "integrations.lapor_pull",
        "schedule": float(LAPOR_POLL_SECONDS),
        "options": {"expires": max(1, LAPOR_POLL_SECONDS - 5)},
    }
