"""Django settings, read from environment variables with safe development defaults.

Production (``DJANGO_ENV=production``) refuses to start with the development secret key or with
DEBUG on, so a forgotten variable cannot ship a guessable secret.
"""

from datetime import date
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env("DJANGO_ENV", default="development")
IS_PRODUCTION = DJANGO_ENV == "production"

SECRET_KEY = env("DJANGO_SECRET_KEY", default=DEV_SECRET_KEY)
DEBUG = env.bool("DJANGO_DEBUG", default=not IS_PRODUCTION)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

if IS_PRODUCTION:
    if SECRET_KEY == DEV_SECRET_KEY or len(SECRET_KEY) < 32:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set to a long random value.")
    if DEBUG:
        raise ImproperlyConfigured("DJANGO_DEBUG must be off in production.")

INSTALLED_APPS = [
    "npm_tracker.apps.NpmAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "pgtrigger",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "import_export",
    "pghistory",
    "pghistory.admin",
    "npm_tracker.core",
    "facilities",
    "cases",
    "reports",
    "fieldkit",
    "seeds",
    "npm_tracker",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "npm_tracker.core.middleware.NoStoreMiddleware",
    "npm_tracker.core.middleware.RateLimitHeadersMiddleware",
    "npm_tracker.core.middleware.PermissionsPolicyMiddleware",
    "csp.middleware.CSPMiddleware",
    "npm_tracker.core.middleware.CountryTimezoneMiddleware",
    "pghistory.middleware.HistoryMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "npm_tracker.urls"
WSGI_APPLICATION = "npm_tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # The project's overrides of the admin's own templates must come before the admin app's.
        "DIRS": [
            BASE_DIR / "npm_tracker" / "templates",
            BASE_DIR / "npm_tracker" / "core" / "templates",
        ],
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

# PostgreSQL always: row locks, check constraints and triggers are part of the design.
DATABASES = {
    "default": env.db(
        "DATABASE_URL", default="postgres://npm_tracker:npm_tracker@127.0.0.1:5432/npm_tracker"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Short OLTP queries: JIT compilation costs more than it saves, and one misestimate (a table not
# yet analysed) can make a 1 ms query spend a second compiling.
DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env("CACHE_URL", default=REDIS_URL),
        "KEY_PREFIX": "npm_tracker",
        # A Redis that does not answer must not hold a request for long: the rate limit and the
        # token endpoint's counters fall back to per-process counting (core.api.fallback_cache).
        "OPTIONS": {
            "socket_connect_timeout": env.float("CACHE_TIMEOUT_SECONDS", default=1.0),
            "socket_timeout": env.float("CACHE_TIMEOUT_SECONDS", default=1.0),
        },
    }
}

# Staff login: Argon2 hashes (older PBKDF2 hashes upgrade at the next login), a lockout after
# repeated failures, TOTP two-factor for the admin and staff API sessions where required, short
# sessions (rotated at login by Django).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_LOCKOUT_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# ... and an address that failed this many times with any user names (password spraying).
AXES_HANDLER = "npm_tracker.core.lockout.AccountAndAddressLockoutHandler"
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=20)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "admin/locked_out.html"
AXES_VERBOSE = False
# Two-factor login (TOTP) is required in production; the demo and the tests may run without it.
REQUIRE_TWO_FACTOR = env.bool("REQUIRE_TWO_FACTOR", default=IS_PRODUCTION)
OTP_TOTP_ISSUER = "NPM Tracker"
SESSION_COOKIE_AGE = env.int("SESSION_SECONDS", default=8 * 60 * 60)
# Managing users, roles and two-factor devices asks for the password again after this long.
REAUTH_SECONDS = env.int("REAUTH_SECONDS", default=5 * 60)
# The OAuth2 token endpoint: failed attempts allowed per client id and per address in a window.
TOKEN_FAILURE_LIMIT = env.int("TOKEN_FAILURE_LIMIT", default=10)
TOKEN_FAILURE_WINDOW_SECONDS = env.int("TOKEN_FAILURE_WINDOW_SECONDS", default=15 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The field app (docs/field.md): the passphrase that unlocks a device's key is stretched with
# PBKDF2-SHA-256 over this many iterations; that many wrong passphrases in a row wipe the device.
FIELD_PBKDF2_ITERATIONS = env.int("FIELD_PBKDF2_ITERATIONS", default=600_000)
FIELD_WIPE_AFTER_FAILURES = env.int("FIELD_WIPE_AFTER_FAILURES", default=5)
FIELD_MIN_PASSPHRASE_LENGTH = env.int("FIELD_MIN_PASSPHRASE_LENGTH", default=10)
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# Content-Security-Policy: own origin only, no inline script or style, no eval.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("ru", _("Russian")),
    ("kk", _("Kazakh")),
    ("ky", _("Kyrgyz")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date and number formats of Kazakh (Django has none) and Kyrgyz (decimal comma).
FORMAT_MODULE_PATH = ["npm_tracker.core.formats"]
USE_I18N = True
USE_TZ = True
# Stored in UTC; shown in the country's zone (Asia/Almaty or Asia/Bishkek) by the domain code.
TIME_ZONE = env("DJANGO_TIME_ZONE", default="Asia/Almaty")

STATIC_URL = "static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# whitenoise expects the directory to exist, even before collectstatic has run.
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# Stored files are for the service account alone (evidence and reports also set it themselves).
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=25 * 1024 * 1024)
# Office documents are zip archives: refused when they would unpack to more than this, or when
# they are compressed more than this ratio (a zip bomb), judged without unpacking them.
UPLOAD_MAX_DECOMPRESSED_BYTES = env.int("UPLOAD_MAX_DECOMPRESSED_BYTES", default=200 * 1024 * 1024)
UPLOAD_MAX_COMPRESSION_RATIO = env.int("UPLOAD_MAX_COMPRESSION_RATIO", default=100)

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = IS_PRODUCTION
CSRF_COOKIE_SECURE = IS_PRODUCTION
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# Browser features no page of the system uses: denied on every response (Permissions-Policy).
PERMISSIONS_POLICY = (
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "fullscreen",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
    "xr-spatial-tracking",
)
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)

# Celery: Redis broker; a static beat schedule (report schedules live in the database and are
# dispatched by one entry added with the reports). A killed worker's task must come back quickly.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_MAX_TASKS_PER_CHILD = 50
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 15 * 60}
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 9 * 60
CELERY_TIMEZONE = "UTC"
# The outbox (npm_tracker.core.outbox): a due job still not run this long after it was sent to
# the broker is sent again (the broker may have lost it); finished jobs are kept this long.
OUTBOX_RESEND_AFTER_SECONDS = env.float("OUTBOX_RESEND_AFTER_SECONDS", default=5 * 60)
OUTBOX_KEEP_DAYS = env.int("OUTBOX_KEEP_DAYS", default=30)
# The static schedule: what runs when is code, not data anybody can edit.
# The tamper-evident history (npm_tracker.core.integrity): besides every pghistory table, the case
# events sealed into each country's hash chain.
INTEGRITY_EVENT_MODELS = ["cases.ReferralEvent", "cases.AllegationEvent", "cases.CustodyEvent"]

CELERY_BEAT_SCHEDULE = {
    "notify-overdue-deadlines": {
        "task": "cases.notify_overdue",
        "schedule": env.float("OVERDUE_SCAN_SECONDS", default=15 * 60),
    },
    "dispatch-report-schedules": {
        "task": "reports.dispatch_schedules",
        "schedule": env.float("REPORT_DISPATCH_SECONDS", default=60 * 60),
    },
    "sweep-outbox": {
        "task": "npm_tracker.sweep_outbox",
        "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=30),
    },
    "seal-history": {
        "task": "npm_tracker.seal_history",
        "schedule": env.float("INTEGRITY_SEAL_SECONDS", default=5 * 60),
    },
    "verify-history": {
        # Daily, before the digests: a break is mailed to the NPM heads of the country.
        "task": "cases.verify_history",
        "schedule": crontab(hour=0, minute=45),
    },
    "send-daily-digests": {
        "task": "cases.send_digests",
        # 07:00 in Almaty and Bishkek time is 02:00 and 01:00 UTC: 01:30 UTC serves both.
        "schedule": crontab(hour=1, minute=30),
    },
}

EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if not IS_PRODUCTION
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
# Links in e-mails point here (the address staff open the admin at).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
REPORT_TIME_LIMIT_SECONDS = env.int("REPORT_TIME_LIMIT_SECONDS", default=5 * 60)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="NPM Tracker <noreply@localhost>")

# REST API for partner systems (CONTRACT.md).
OAUTH2_PROVIDER = {
    "SCOPES": {
        "read": "Read",
        "write": "Write",
        "confidential": "Confidential data",
        "complaints": "Complaints",
        "reports": "Reports",
        "prosecutor": "Prosecutor's office",
    },
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("API_TOKEN_SECONDS", default=3600),
    "OAUTH2_VALIDATOR_CLASS": "npm_tracker.core.api.oauth.ClientScopesValidator",
    "ALLOWED_GRANT_TYPES": ["client_credentials"],
    # OAuth 2.0 Security BCP (RFC 9700): tokens only in the Authorization header, no implicit
    # or password grants (only client credentials is used anyway).
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,  # tokens stored hashed
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
}
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_BACKOFF_SECONDS = env.float("WEBHOOK_BACKOFF_SECONDS", default=30)
# After a secret rotation, deliveries are signed with the old secret too for this long.
WEBHOOK_SECRET_OVERLAP_HOURS = env.float("WEBHOOK_SECRET_OVERLAP_HOURS", default=24)
# Webhook destinations (npm_tracker/core/netguard.py): public https endpoints only. Plain http
# and private networks (a partner on a private link, a test receiver) are opened explicitly.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=False)
WEBHOOK_ALLOWED_PRIVATE_NETWORKS = env.list("WEBHOOK_ALLOWED_PRIVATE_NETWORKS", default=[])
WEBHOOK_REFUSED_PORTS = env.list(
    "WEBHOOK_REFUSED_PORTS",
    cast=int,
    default=[22, 23, 25, 53, 111, 135, 139, 445, 2375, 2379, 3306, 5432, 5672, 6379, 9200, 11211],
)
# The earliest day an allegation may have been received (in UTC): older dates are typing
# mistakes (year 1 would make the reference KZ-1-000001), not records of the mechanism.
ALLEGATION_RECEIVED_EARLIEST = date.fromisoformat(
    env("ALLEGATION_RECEIVED_EARLIEST", default="1990-01-01")
)
API_RATE_PER_MINUTE = env.int("API_RATE_PER_MINUTE", default=600)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "npm_tracker.core.api.auth.ClientCredentialsAuthentication",
        "npm_tracker.core.api.auth.StaffSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["npm_tracker.core.api.permissions.HasScope"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # JSON bodies only: a form or multipart body would be read without its nested fields and
    # lists (a generated client's update then silently loses them). The evidence upload declares
    # its own MultiPartParser; any other content type answers 415.
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["npm_tracker.core.api.filters.StrictFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "npm_tracker.core.api.pagination.CursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["npm_tracker.core.api.throttling.PerClientThrottle"],
    "DEFAULT_THROTTLE_RATES": {"client": f"{API_RATE_PER_MINUTE}/min"},
    "EXCEPTION_HANDLER": "npm_tracker.core.api.errors.problem_exception_handler",
    "DEFAULT_SCHEMA_CLASS": "npm_tracker.core.api.schema.ApiAutoSchema",
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "NPM Tracker API",
    "DESCRIPTION": "REST API v1 for partner systems of National Preventive Mechanisms.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "OAUTH2_FLOWS": ["clientCredentials"],
    "OAUTH2_TOKEN_URL": "/o/token/",
    "OAUTH2_SCOPES": OAUTH2_PROVIDER["SCOPES"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "npm_tracker.core.api.schema.add_rate_limit_headers",
    ],
    "ENUM_NAME_OVERRIDES": {
        "VisitStatusEnum": "facilities.choices.VisitStatus",
        "RecommendationStatusEnum": "facilities.choices.RecommendationStatus",
        "AllegationStatusEnum": "cases.choices.AllegationStatus",
        "ReferralStatusEnum": "cases.choices.ReferralStatus",
        "ReferralEventKindEnum": "cases.choices.ReferralEventKind",
        "EvidenceKindEnum": "cases.choices.EvidenceKind",
        "ReportKindEnum": "reports.choices.ReportKind",
        "ReportStatusEnum": "reports.choices.RunStatus",
        "ReportVersionEnum": "reports.choices.ReportVersion",
        "CountryEnum": "npm_tracker.core.models.COUNTRY_CODES",
        "WebhookEventEnum": "npm_tracker.core.webhooks.EVENTS",
    },
}

# History tables can never be rewritten: triggers refuse UPDATE and DELETE on them.
PGHISTORY_APPEND_ONLY = True
# The audit trail's admin page is scoped like the records it tracks.
PGHISTORY_ADMIN_CLASS = "npm_tracker.core.history_admin.ScopedEventsAdmin"
# Triggers (audit, append-only, no-delete) are installed by `migrate` itself, after the schema,
# from the models' declarations; keeping them out of migration files keeps migrating fast.
PGTRIGGER_MIGRATIONS = False
PGTRIGGER_INSTALL_ON_MIGRATE = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    # One line per trigger installed on every migrate is noise.
    "loggers": {
        "pgtrigger": {"level": "WARNING"},
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# Demo data and reference numbers are built deterministically; the demo login is printed by
# `make run` and never exists in production.
DEMO_USERNAME = env("DEMO_USERNAME", default="demo")
DEMO_PASSWORD = env("DEMO_PASSWORD", default="demo-npm-2026")

# Encryption at rest of identities, statements, medical findings and evidence files
# (npm_tracker/crypto.py). Keys live outside the database and apart from SECRET_KEY: losing them
# loses the data (docs/security.md). The development keys below are public and refused in
# production.
DEV_ENCRYPTION_KEY = "dev:ZGV2ZWxvcG1lbnQta2V5LW5vdC1mb3ItcHJvZC11c2U"
DEV_BLIND_INDEX_KEY = "development-blind-index-key-not-for-production"
FIELD_ENCRYPTION_KEYS = env.list(
    "FIELD_ENCRYPTION_KEYS", default=[] if IS_PRODUCTION else [DEV_ENCRYPTION_KEY]
)
BLIND_INDEX_KEY = env("BLIND_INDEX_KEY", default="" if IS_PRODUCTION else DEV_BLIND_INDEX_KEY)
if IS_PRODUCTION and (
    not FIELD_ENCRYPTION_KEYS
    or DEV_ENCRYPTION_KEY in FIELD_ENCRYPTION_KEYS
    or BLIND_INDEX_KEY in ("", DEV_BLIND_INDEX_KEY)
):
    raise ImproperlyConfigured("Set FIELD_ENCRYPTION_KEYS and BLIND_INDEX_KEY for production.")

# Spreadsheets in and out of the admin (npm_tracker/core/spreadsheets/): every import in one
# transaction, rolled back unless every row is valid.
IMPORT_EXPORT_USE_TRANSACTIONS = True
