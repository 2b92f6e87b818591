"""Heartbeats of the background processes, for ``/healthz/ready``.

The Celery worker and Celery beat each record a timestamp every ``POS_HEARTBEAT_SECONDS`` in
Redis (through the cache): the worker from its own timer (a worker whose event loop is stuck
stops beating), beat from its scheduler loop (``pos_platform.scheduler``). A heartbeat older than
``POS_HEARTBEAT_MAX_AGE_SECONDS``, or none at all, means that process is down.
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.cache import cache

ROLES = ("worker", "beat")


def _key(role: str) -> str:
    return f"heartbeat:{role}"


def heartbeat_record(role: str, name: str) -> None:
    """``role`` (worker or beat) named ``name`` (its host name) is alive now."""
    timeout = max(settings.POS_HEARTBEAT_MAX_AGE_SECONDS * 4, 60)
    cache.set(_key(role), {"at": time.time(), "name": name}, timeout=timeout)


def heartbeat_status(role: str) -> dict[str, Any]:
    """``{"ok", "age_seconds", "name"}`` of the latest heartbeat of ``role``."""
    try:
        beat = cache.get(_key(role))
    except Exception as exc:
        return {"ok": False, "error": type(exc).__name__}
    if not isinstance(beat, dict):
        return {"ok": False, "error": "no heartbeat"}
    age = max(time.time() - float(beat["at"]), 0.0)
    return {
        "ok": age <= settings.POS_HEARTBEAT_MAX_AGE_SECONDS,
        "age_seconds": round(age, 1),
        "name": beat.get("name", ""),
    }
