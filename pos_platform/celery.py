"""The Celery app. Tasks are tenant-aware (tenant-schemas-celery): a task sent while a tenant's
schema is active carries the schema name in its headers and runs in that schema.

Beat uses tenant-schemas-celery's scheduler (through :mod:`pos_platform.scheduler`, which makes
public entries work without a ``Tenant`` row for the public schema): an entry of
``CELERY_BEAT_SCHEDULE`` with ``"tenant_schemas": ["public"]`` runs once on the public schema; one
without ``tenant_schemas`` runs once per tenant.
"""

from __future__ import annotations

import os
from typing import Any

from celery import bootsteps
from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pos_platform.settings")


class PlatformCeleryApp(CeleryApp):
    """tenant-schemas-celery's app. Sending a task reads the current schema from Django's
    database connection, so Django must be set up first: the worker and ``manage.py`` do it, but
    a bare client such as ``celery -A pos_platform call billing.issue_invoices`` does not (it
    failed with ``AppRegistryNotReady``)."""

    def send_task(self, *args: Any, **kwargs: Any) -> Any:
        from django.apps import apps

        if not apps.ready:
            import django

            django.setup()
        return super().send_task(*args, **kwargs)


app = PlatformCeleryApp("pos_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_scheduler = "pos_platform.scheduler:PlatformScheduler"
app.autodiscover_tasks()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Records the worker's heartbeat from the worker's own timer (pos_platform.heartbeat)."""

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.timer_entry: Any = None

    def start(self, worker: Any) -> None:
        from django.conf import settings

        from pos_platform.heartbeat import heartbeat_record

        heartbeat_record("worker", worker.hostname)
        self.timer_entry = worker.timer.call_repeatedly(
            settings.POS_HEARTBEAT_SECONDS, heartbeat_record, ("worker", worker.hostname)
        )

    def stop(self, worker: Any) -> None:
        if self.timer_entry is not None:
            self.timer_entry.cancel()


app.steps["worker"].add(WorkerHeartbeat)
# Task outcomes for the metrics, and the worker's and beat's metrics servers.
import pos_platform.observability.tasks  # noqa: E402, F401
