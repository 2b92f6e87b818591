"""Health endpoints, on every served host.

* ``/healthz/live``: the process answers (no dependency is checked): restart it when this fails.
* ``/healthz/ready``: the database and Redis answer and a Celery worker and Celery beat have sent
  a heartbeat lately (pos_platform.heartbeat): route traffic to it only when this is 200.
  Pending migrations are reported, never a failure (a release migrates while serving).
* ``/healthz/serving``: the database answers, so this process can sell (Redis down, or a missing
  worker or beat, degrade it without stopping sales): the web tier's readiness probe, so that an
  outage of Redis or of the background processes does not take every web process out of service.
* ``/healthz``: the same report; 503 only when this process cannot reach the database or Redis.
"""

from __future__ import annotations

from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django_tenants.utils import get_public_schema_name

from pos_platform.db import connection
from pos_platform.heartbeat import heartbeat_status

_TENANTS_KEY = "health:tenants_pending"
_TENANTS_SECONDS = 30


def _database() -> dict[str, Any]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('server_version')")
            (version,) = cursor.fetchone()
        return {"ok": True, "server_version": version}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


def _redis() -> dict[str, Any]:
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1).ping()
        return {"ok": True}
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


def _migrations() -> dict[str, Any]:
    """Pending migrations: ``ok`` is false while any schema lags (informational)."""
    from shared_apps.tenants.migrating import schemas_pending, tenants_lagging

    try:
        public_pending = bool(schemas_pending([get_public_schema_name()]))
        # Schemas stamped with the current migration state are not opened; checking the others
        # costs a query per 250 of them; cached briefly.
        tenants_pending = cache.get(_TENANTS_KEY)
        if tenants_pending is None:
            tenants_pending = len(schemas_pending(tenants_lagging()))
            cache.set(_TENANTS_KEY, tenants_pending, _TENANTS_SECONDS)
        return {
            "ok": not public_pending and tenants_pending == 0,
            "public_pending": public_pending,
            "tenants_pending": tenants_pending,
        }
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


def _report() -> dict[str, dict[str, Any]]:
    previous = connection.tenant
    connection.set_schema_to_public()
    try:
        checks = {"database": _database(), "redis": _redis()}
        checks["migrations"] = _migrations() if checks["database"]["ok"] else {"ok": False}
        checks["worker"] = heartbeat_status("worker")
        checks["beat"] = heartbeat_status("beat")
    finally:
        if previous is not None:
            connection.set_tenant(previous)
    return checks


def _answer(checks: dict[str, dict[str, Any]], required: tuple[str, ...]) -> JsonResponse:
    ok = all(checks[name]["ok"] for name in required)
    return JsonResponse({"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503)


@never_cache
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
def ready(request: HttpRequest) -> JsonResponse:
    return _answer(_report(), ("database", "redis", "worker", "beat"))


@never_cache
def serving(request: HttpRequest) -> JsonResponse:
    return _answer(_report(), ("database",))


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    return _answer(_report(), ("database", "redis"))
