"""Settings for the portal: one module, every value from the environment (README lists them).

Unset ``DATABASE_URL`` means SQLite under ``var/``; unset ``REDIS_URL`` means a file cache under ``var/`` and
Celery's ``filesystem://`` transport, so a laptop needs no services. Production sets
``DJANGO_DEBUG=0``, a real ``DJANGO_SECRET_KEY`` and ``DJANGO_ALLOWED_HOSTS``.
"""

from pathlib import Path

from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from portal.env import (
    env_bool,
    env_database,
    env_int,
    env_list,
    env_rate,
    env_str,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("PORTAL_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DJANGO_DEBUG", True)

_DEV_SECRET = "dev-only-insecure-secret-key-do-not-use-in-production-0123456789"  # noqa: S105  # nosec B105 # development key; refused when DJANGO_DEBUG=0
SECRET_KEY = env_str("DJANGO_SECRET_KEY", _DEV_SECRET if DEBUG else "")
if not DEBUG and (not SECRET_KEY or SECRET_KEY == _DEV_SECRET):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a secret value when DJANGO_DEBUG=0")
if not DEBUG and (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY must be at least 50 characters with 5 distinct ones")

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must list the site's host names when DJANGO_DEBUG=0")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])
# A refused form gets the portal's page with a reference id, not Django's developer page.
CSRF_FAILURE_VIEW = "portal.views.csrf_failure"

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
    "django_celery_beat",
    "django_htmx",
    # The shared kernel, one Django app per concern so each keeps its own migrations.
    "portal",
    "portal.accounts",
    "portal.workdays",
    "portal.policy",
    "portal.notifications",
    "portal.audit",
    "portal.idempotency",
    "portal.apiauth",
    "portal.outbox",
    "portal.privacy",  # full personal data on request, audited (security.md check 37)
    # Domain apps, floor by floor (architecture.md §2).
    "pledges",
    "loans",
    "whitelist",
    "subsidies",
    "riskcomp",
    "matchmaking",
    "ratings",
    "disposal",
    "training",
    "stats",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "portal.security.SecurityHeadersMiddleware",  # CSP, no-store on private responses (helper E)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "portal.accounts.sessions.SlidingSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Sign-in: absolute session lifetime and forced password rotation (portal.accounts.sessions).
    "portal.accounts.sessions.SessionPolicyMiddleware",
    "portal.accounts.middleware.ActingOrganisationMiddleware",
    "portal.audit.middleware.AuditDeniedMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
                "portal.accounts.context_processors.acting_organisation",
                "portal.notifications.context_processors.inbox",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASES = {"default": env_database("DATABASE_URL", sqlite_path=str(VAR_DIR / "db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "portal.cache.PooledRedisCache", "LOCATION": REDIS_URL}}
else:
    # Shared by the web, worker and beat processes of the local run (calendar edits, throttling,
    # the worker heartbeat); an in-process cache would give each process its own view.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env_int("PASSWORD_MIN_LENGTH", 10, minimum=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # --- Sign-in security (helper A, issue 10; security.md checks 10-16, 39) ---
    {
        "NAME": "portal.accounts.passwords.CharacterClassesValidator",
        "OPTIONS": {"min_classes": env_int("PASSWORD_MIN_CLASSES", 3, minimum=1)},
    },
    {"NAME": "portal.accounts.passwords.OrganisationNameValidator"},
]
if AUTH_PASSWORD_VALIDATORS[-2]["OPTIONS"]["min_classes"] > 4:
    raise ImproperlyConfigured("PASSWORD_MIN_CLASSES is at most 4 (upper, lower, digits, symbols)")
# Rotation (等保 8.1.4.1 a): a password older than this forces the change page after sign-in; 0 disables.
PASSWORD_MAX_AGE_DAYS = env_int("PASSWORD_MAX_AGE_DAYS", 90, minimum=0)
# Lockout: this many consecutive failures for one account name within the window lock it for the period,
# even against the right password; an address failing this often (across names) is blocked alone.
SIGNIN_LOCKOUT_FAILURES = env_int("SIGNIN_LOCKOUT_FAILURES", 5, minimum=1)
SIGNIN_LOCKOUT_IP_FAILURES = env_int("SIGNIN_LOCKOUT_IP_FAILURES", 20, minimum=1)
SIGNIN_LOCKOUT_WINDOW_SECONDS = env_int("SIGNIN_LOCKOUT_WINDOW_SECONDS", 15 * 60, minimum=60)
SIGNIN_LOCKOUT_SECONDS = env_int("SIGNIN_LOCKOUT_SECONDS", 15 * 60, minimum=60)
# Rate limits (429 with Retry-After): login POSTs per address, second-factor attempts per address and per account.
SIGNIN_THROTTLE = env_rate("SIGNIN_THROTTLE", "30/min")
OTP_THROTTLE = env_rate("OTP_THROTTLE", "30/min")
OTP_ACCOUNT_THROTTLE = env_rate("OTP_ACCOUNT_THROTTLE", "10/min")
# Public enterprise registration and invitation-acceptance POSTs per address (portal.accounts.onboarding_views).
REGISTRATION_THROTTLE = env_rate("REGISTRATION_THROTTLE", "20/hour")
# Second factor (TOTP) for staff roles (portal.accounts.models.MFA_STAFF_ROLES); off in the DEBUG demo run.
MFA_REQUIRED = env_bool("MFA_REQUIRED", not DEBUG)
# How long the password step waits for its second step before the user must start again.
MFA_PENDING_SECONDS = env_int("MFA_PENDING_SECONDS", 5 * 60, minimum=30)
# A session ends this long after sign-in however active it is (the idle timeout is SESSION_IDLE_SECONDS).
SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_SECONDS", 12 * 60 * 60, minimum=300)
# --- end sign-in security ---

# Sliding idle timeout: a session ends this many seconds after the last request, give or take the refresh
# interval (portal.accounts.sessions saves it at most once per SESSION_REFRESH_SECONDS, not per request).
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60, minimum=60)
SESSION_REFRESH_SECONDS = min(60, SESSION_COOKIE_AGE // 10)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"  # Dates in this portal are Beijing dates.
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "media/"
# Uploaded case documents: larger files are refused before they are stored (security.md check 24).
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1)
# Batch uploads of loan facts (CSV / Excel); 20 MB holds about 200,000 rows.
LOAN_IMPORT_MAX_MB = env_int("LOAN_IMPORT_MAX_MB", 20, minimum=1)
# Partner departments' indicator files for the whitelist (one row per enterprise: far smaller).
WHITELIST_IMPORT_MAX_MB = env_int("WHITELIST_IMPORT_MAX_MB", 20, minimum=1)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Manifest names 404 under the test live server, so plain storage whenever DEBUG is on.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Security headers; check --deploy --fail-level WARNING passes with DJANGO_DEBUG=0.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("DJANGO_BEHIND_PROXY", False) else None
)
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
# Container health probes call these over plain HTTP from inside the host.
SECURE_REDIRECT_EXEMPT = [r"^livez$", r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# --- Content-Security-Policy and Cache-Control (helper E, issue 10; security.md check 38) ---
# Sent by portal.security.SecurityHeadersMiddleware. Nothing loads from another origin (no CDN), no inline
# script runs; style attributes stay allowed (htmx, the admin). PORTAL_CSP replaces the whole policy.
PORTAL_CSP = env_str(
    "PORTAL_CSP",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'",
)
# --- end helper E headers ---

EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("EMAIL_PORT", 587, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "知识产权质押融资服务平台 <noreply@ipfin.beijing.example>")
PORTAL_BASE_URL = env_str("PORTAL_BASE_URL", "http://127.0.0.1:8000")

REST_FRAMEWORK = {
    # Partner systems first: a request with a bad bearer token is a 401 (with WWW-Authenticate), and so is
    # one with no credentials at all; the browser's session covers the portal's own pages' calls.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "portal.apiauth.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["portal.renderers.FastJSONRenderer"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "portal.api.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "DEFAULT_THROTTLE_RATES": {
        "public": env_rate("PUBLIC_API_THROTTLE", "120/min"),
        "token": env_rate("API_TOKEN_THROTTLE", "30/min"),
        # Objections to a subsidy public notice (subsidies, issue 6), per client address.
        "subsidy_objection": env_rate("SUBSIDY_OBJECTION_THROTTLE", "10/hour"),
        # Bank systems' business calls, per API client (bearer token); sign-in helper A.
        "bank": env_rate("BANK_API_THROTTLE", "600/min"),
    },
    # Counts only bearer-token calls (per API client); browser sessions and public views are not affected.
    "DEFAULT_THROTTLE_CLASSES": ["portal.apiauth.throttling.BankClientThrottle"],
}
# Behind a proxy, how many X-Forwarded-For hops to trust for the client IP (throttling, audit).
NUM_PROXIES = env_int("DJANGO_NUM_PROXIES", 0, minimum=0)
REST_FRAMEWORK["NUM_PROXIES"] = NUM_PROXIES  # 0, not None: DRF would otherwise trust a forged header

SPECTACULAR_SETTINGS = {
    "TITLE": "Beijing IP pledge financing portal API",
    "DESCRIPTION": "Public endpoints need no login and are throttled per client IP; the rest need a session.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: nothing may load from a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every answer the API can give is in the schema (401, 415, 429 too), so schema fuzzing can hold it to it.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "portal.api_schema.complete_api_schema",
    ],
    # Field names ("kind", "status") several APIs use for different choice sets: each set named once
    # (the registrations API keeps the names it had before the loans API came).
    "ENUM_NAME_OVERRIDES": {
        "KindEnum": "pledges.models.RegistrationKind",
        "StatusEnum": "pledges.models.Status",
        "LoanStatusEnum": "loans.models.LoanStatus",
        "LoanFactKindEnum": "loans.models.FactKind",
        "LoanParticipantKindEnum": "loans.models.ParticipantKind",
        "WhitelistFeedbackKindEnum": "whitelist.models.FeedbackKind",
    },
}

CELERY_BROKER_URL = REDIS_URL or "filesystem://"
# Redis hands an unacknowledged task to another worker after this many seconds (acks_late below).
BROKER_VISIBILITY_TIMEOUT = 2 * 60 * 60
if not REDIS_URL:
    _broker_dir = VAR_DIR / "celery" / "broker"
    _broker_dir.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        "store_processed": False,
        # Broadcast/control messages; kombu's default is a "control" folder in the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
    }
else:
    # Longer than any countdown or retry delay we use, or Redis redelivers the task in a loop
    # (tests/portal/test_celery_settings.py checks it against them).
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": BROKER_VISIBILITY_TIMEOUT}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Nothing lost (security.md 34): a task is acknowledged only once it finished, and a worker killed mid-task
# (OOM, SIGKILL, a lost host) hands it back for redelivery; every task is idempotent for that reason.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# On a lost broker connection the worker cancels what it runs: those messages are redelivered anyway.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One message reserved at a time: a slow task does not hold others hostage, and a crash loses no batch.
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Synced into django-celery-beat's tables on start, where staff can change the times in the admin.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "portal.tasks.heartbeat", "schedule": 60.0},
    # Tasks whose publish after commit failed (broker down) are sent from the outbox; old rows pruned.
    "outbox-relay": {"task": "portal.outbox.tasks.relay", "schedule": 30.0},
    "calendar-next-year-watch": {
        "task": "portal.workdays.tasks.warn_if_next_year_not_official",
        # Daily in November and December, while next year's State Council notice may be missing.
        "schedule": crontab(minute=0, hour=9, month_of_year="11,12"),
    },
    # Annual-fee reminders for pledged patents, once a day in office hours (Beijing time).
    "pledges-annual-fee-reminders": {
        "task": "pledges.tasks.annual_fee_reminders",
        "schedule": crontab(minute=0, hour=9),
    },
    # Registration SLA reminders; the sweep itself waits for office hours on working days.
    "pledges-sla-sweep": {"task": "pledges.tasks.sla_sweep_task", "schedule": 5 * 60.0},
    # Idempotency keys older than IDEMPOTENCY_KEY_TTL_HOURS are deleted.
    "idempotency-keys-prune": {
        "task": "portal.idempotency.tasks.prune_idempotency_keys",
        "schedule": 60 * 60.0,
    },
    # API access tokens a day past their expiry are deleted.
    "apiauth-tokens-prune": {"task": "portal.apiauth.tasks.prune_access_tokens", "schedule": 60 * 60.0},
    # Whitelist: banks reminded of feedback due within 3 working days or overdue; webhook notifications
    # to banks sent and retried; unacknowledged deliveries chased.
    "whitelist-feedback-reminders": {
        "task": "whitelist.tasks.feedback_reminders",
        "schedule": crontab(minute=30, hour=9),
    },
    "whitelist-webhooks-sweep": {"task": "whitelist.tasks.webhook_notifications_sweep", "schedule": 60.0},
    "whitelist-deliveries-chase": {
        "task": "whitelist.tasks.deliveries_chase",
        "schedule": crontab(minute=0, hour=10),
    },
    # Loan monitoring alerts (pledged assets' legal status and annual fees, overdue, non-performing).
    "loans-alerts-sweep": {"task": "loans.tasks.loan_alerts_sweep", "schedule": crontab(minute=15)},
    # Subsidy public notices whose period ended: unopposed applications move on to payment.
    "subsidies-publicity-close": {
        "task": "subsidies.tasks.publicity_close_task",
        "schedule": crontab(minute=5, hour=0),
    },
    # Financing demand pool: unworked claims released, needs past their expiry closed (issue 9).
    "matchmaking-demand-sweep": {"task": "matchmaking.tasks.demand_sweep", "schedule": crontab(minute=20)},
    # Satisfaction ratings: invitations for closed cases, one reminder, overdue callback/rectification tasks.
    "ratings-sweep": {"task": "ratings.tasks.ratings_sweep", "schedule": crontab(minute=25)},
    # Auction rounds whose bidding time is over are decided (the highest bid at or above the reserve wins).
    "disposal-rounds-close": {"task": "disposal.tasks.close_due_rounds", "schedule": 60.0},
    # Statistics: the rollups the dashboards read, recomputed hourly (and after big imports); last month's
    # report to the joint-meeting office on the 1st at 08:00.
    "stats-refresh": {"task": "stats.tasks.refresh_statistics", "schedule": crontab(minute=40)},
    "stats-monthly-report": {
        "task": "stats.tasks.monthly_report",
        "schedule": crontab(minute=0, hour=8, day_of_month=1),
    },
}

# Task outbox (portal/outbox): sent messages are kept this many days for staff to look up, then pruned.
OUTBOX_KEEP_DAYS = env_int("OUTBOX_KEEP_DAYS", 7, minimum=1)

# Statistics: a loan file upload of at least this many lines recomputes the rollups when it is applied.
STATS_REFRESH_AFTER_IMPORT_ROWS = env_int("STATS_REFRESH_AFTER_IMPORT_ROWS", 1000, minimum=1)

# API write retries (portal/idempotency): how long a client's Idempotency-Key and its stored answer are kept.
# Stripe keeps them at least 24 h; a retry after the key is pruned runs as a new request.
IDEMPOTENCY_KEY_TTL_HOURS = env_int("IDEMPOTENCY_KEY_TTL_HOURS", 48, minimum=24)

# Whitelist webhooks (whitelist/webhooks.py): only https URLs resolving to public addresses unless this is on
# (a bank's test receiver on the local network; on by default in debug).
WHITELIST_WEBHOOK_ALLOW_LOCAL = env_bool("WHITELIST_WEBHOOK_ALLOW_LOCAL", DEBUG)

# Partner systems' bearer tokens (portal/apiauth): valid this many seconds, at most an hour (security.md 16).
API_TOKEN_TTL_SECONDS = env_int("API_TOKEN_TTL_SECONDS", 3600, minimum=60)
if API_TOKEN_TTL_SECONDS > 3600:
    raise ImproperlyConfigured(f"API_TOKEN_TTL_SECONDS may be at most 3600; got {API_TOKEN_TTL_SECONDS}")

# Pledge registration SLA (pledges/services/sla.py): the points that remind the commissioner (the
# escalation of an overdue case to the supervisor is always sent) and the office hours they go out in.
SLA_REMINDER_POINTS = env_list("SLA_REMINDER_POINTS", ["half_time", "due_today", "overdue"])
if not set(SLA_REMINDER_POINTS) <= {"half_time", "due_today", "overdue"}:
    raise ImproperlyConfigured(
        f"SLA_REMINDER_POINTS may list half_time, due_today, overdue; got {','.join(SLA_REMINDER_POINTS)!r}"
    )
SLA_OFFICE_HOURS = env_str("SLA_OFFICE_HOURS", "09:00-17:30")
_hours = SLA_OFFICE_HOURS.split("-")
if not (
    len(_hours) == 2
    and all(
        len(t) == 5 and t[2] == ":" and t[:2].isdigit() and t[3:].isdigit() and t[:2] < "24" and t[3:] < "60"
        for t in _hours
    )
    and _hours[0] < _hours[1]
):
    raise ImproperlyConfigured(f"SLA_OFFICE_HOURS must look like 09:00-17:30; got {SLA_OFFICE_HOURS!r}")

# --- Logging: no personal data, no secrets, no forged lines (security.md check 21) ---------------------
# Every handler carries the PII filter: ID numbers and mobiles masked, CR/LF written as escapes. Django's
# own loggers are sent to the root handlers instead of the unfiltered ones of its DEFAULT_LOGGING, and a
# Celery worker keeps this configuration instead of installing its own handlers.
LOG_FILE = env_str("LOG_FILE", "")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"pii": {"()": "portal.pii.PiiLogFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["pii"]},
        **(
            {
                "file": {
                    "class": "logging.handlers.WatchedFileHandler",
                    "filename": LOG_FILE,
                    "formatter": "plain",
                    "filters": ["pii"],
                    "encoding": "utf-8",
                }
            }
            if LOG_FILE
            else {}
        ),
    },
    "root": {"handlers": ["console", *(["file"] if LOG_FILE else [])], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
    },
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# --- end of logging ----------------------------------------------------------------------------------

# --- Audit retention (helper E, issue 10; security.md check 20) ---
# Audit rows older than this are archived to checksummed files under AUDIT_ARCHIVE_DIR, then deleted
# (portal/audit/archive.py). Never below 180 days (Cybersecurity Law Art. 21: six months); the database
# triggers refuse to delete younger rows whatever this says.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365, minimum=180)
AUDIT_ARCHIVE_DIR = Path(env_str("AUDIT_ARCHIVE_DIR", str(VAR_DIR / "audit-archive")))
CELERY_BEAT_SCHEDULE["audit-archive"] = {
    "task": "portal.audit.tasks.archive_audit_log",
    "schedule": crontab(minute=30, hour=2),  # daily, at night (Beijing time)
}
# --- end helper E audit retention ---

# Demo data must never reach a production database by accident.
PORTAL_DEMO_PASSWORD = env_str("PORTAL_DEMO_PASSWORD", "Demo-2026-ipfin")

SITE_NAME = _("Beijing IP Pledge Financing One-Stop Portal")
