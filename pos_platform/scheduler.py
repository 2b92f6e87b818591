"""Celery beat's scheduler: tenant-schemas-celery's, with public-schema entries that are sent.

tenant-schemas-celery sends an entry marked ``"tenant_schemas": ["public"]`` once per ``Tenant``
row whose schema is ``public``. This project keeps no such row (the public schema is the
platform, not a tenant), so those entries would never be sent at all. Here an entry for the public
schema is sent exactly once, from the public schema; entries without ``tenant_schemas`` still go
to every tenant.

Each turn of the scheduler's loop also records beat's heartbeat (pos_platform.heartbeat).
"""

from __future__ import annotations

import logging
import socket
import time
from typing import Any

from celery.beat import ScheduleEntry
from django_tenants.utils import get_public_schema_name, schema_context
from tenant_schemas_celery.scheduler import TenantAwareScheduler

logger = logging.getLogger(__name__)


class PlatformScheduler(TenantAwareScheduler):
    _last_heartbeat = 0.0

    def tick(self, *args: Any, **kwargs: Any) -> float:
        from django.conf import settings

        from pos_platform.heartbeat import heartbeat_record

        now = time.monotonic()
        if now - self._last_heartbeat >= settings.POS_HEARTBEAT_SECONDS / 2:
            try:
                heartbeat_record("beat", socket.gethostname())
                self._last_heartbeat = now
            except Exception:
                logger.exception("PlatformScheduler: could not record the heartbeat")
        interval: float = super().tick(*args, **kwargs)
        return min(interval, settings.POS_HEARTBEAT_SECONDS)

    def apply_entry(self, entry: ScheduleEntry, producer: Any = None) -> None:
        headers = (entry.options or {}).get("headers") or {}
        public = get_public_schema_name()
        if headers.get("_schema_name") != public:
            super().apply_entry(entry, producer=producer)
            return
        logger.info(
            "PlatformScheduler: sending due task %s (%s) to the public schema", entry.name, entry.task
        )
        with schema_context(public):
            try:
                result = self.apply_async(entry, producer=producer, advance=False)
            except Exception:
                logger.exception("PlatformScheduler: could not send %s", entry.name)
            else:
                logger.debug("%s sent. id->%s", entry.task, getattr(result, "id", None))
