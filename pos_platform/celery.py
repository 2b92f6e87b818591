"""The Celery app. Tasks are tenant-aware (tenant-schemas-celery): a task sent while a tenant's
schema is active carries the schema name in its headers and runs in that schema.

Beat uses tenant-schemas-celery's scheduler (through :mod:`pos_platform.scheduler`, which makes
public entries work without a ``Tenant`` row for the public schema): an entry of
``CELERY_BEAT_SCHEDULE`` with ``"tenant_schemas": ["public"]`` runs once on the public schema; one
without ``tenant_schemas`` runs once per tenant.
"""

from __future__ import annotations

import os

from tenant_schemas_celery.app import CeleryApp

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pos_platform.settings")

app = CeleryApp("pos_platform")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.beat_scheduler = "pos_platform.scheduler:PlatformScheduler"
app.autodiscover_tasks()

# Task outcomes for the metrics, and the worker's and beat's metrics servers.
import pos_platform.observability.tasks  # noqa: E402, F401
