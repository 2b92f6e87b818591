"""``/healthz``: can this process reach PostgreSQL and Redis, and are the schemas migrated?"""

from __future__ import annotations

from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django_tenants.utils import get_public_schema_name

from pos_platform.db import connection

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
    from shared_apps.tenants.migrating import schemas_pending
    from shared_apps.tenants.models import Tenant

    try:
        public_pending = bool(schemas_pending([get_public_schema_name()]))
        # Checking every tenant schema costs a query per 250 tenants; cached briefly.
        tenants_pending = cache.get(_TENANTS_KEY)
        if tenants_pending is None:
            schemas = list(Tenant.objects.values_list("schema_name", flat=True))
            tenants_pending = len(schemas_pending(schemas))
            cache.set(_TENANTS_KEY, tenants_pending, _TENANTS_SECONDS)
        return {
            "ok": not public_pending and tenants_pending == 0,
            "public_pending": public_pending,
            "tenants_pending": tenants_pending,
        }
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    previous = connection.tenant
    connection.set_schema_to_public()
    try:
        checks = {"database": _database(), "redis": _redis()}
        checks["migrations"] = _migrations() if checks["database"]["ok"] else {"ok": False}
    finally:
        if previous is not None:
            connection.set_tenant(previous)
    ok = all(check["ok"] for check in checks.values())
    return JsonResponse({"status": "ok" if ok else "degraded", **checks}, status=200 if ok else 503)
