"""The platform's state as Prometheus gauges, read from the database and the broker when scraped.

Served by Celery beat, the one process of its kind (so that no series is reported twice):
queue lengths, each active terminal's time since it last synced, tenants by status, and the
backlogs that apps register in ``POS_METRICS_BACKLOGS`` (callables returning ``{name: count}``,
for instance an outbox of messages not yet delivered).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import redis
from django.apps import apps
from django.conf import settings
from django.utils.module_loading import import_string
from django_tenants.utils import get_public_schema_name, quote_schema_name
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from pos_platform.db import connection

_CHUNK = 250


def queue_lengths() -> dict[str, int]:
    """Messages waiting in each Celery queue (Redis lists named after the queues)."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=2, socket_connect_timeout=2)
    return {queue: int(client.llen(queue)) for queue in settings.POS_METRICS_QUEUES}


def terminal_lags() -> list[tuple[str, str, float]]:
    """(tenant, storefront-terminal, seconds since it last synced) for every active terminal of
    every tenant; a terminal that never synced counts from its pairing."""
    # Through the app registry: this module sits below the apps it reads (see the layers).
    Tenant = apps.get_model("tenants", "Tenant")
    Terminal = apps.get_model("sync", "Terminal")
    Storefront = apps.get_model("storefronts", "Storefront")
    connection.set_schema_to_public()
    tenants = list(Tenant.objects.order_by("slug").values_list("slug", "schema_name"))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [[schema for _, schema in tenants]]
        )
        existing = {row[0] for row in cursor.fetchall()}
    tenants = [(slug, schema) for slug, schema in tenants if schema in existing]
    rows: list[tuple[str, str, float]] = []
    for start in range(0, len(tenants), _CHUNK):
        chunk = tenants[start : start + _CHUNK]
        # Schema and table names come from the tenants table and the models, never from input.
        branches = " UNION ALL ".join(
            f"SELECT %s::text, s.code || '-' || t.code, "  # noqa: S608
            f"extract(epoch FROM now() - coalesce(t.last_seen_at, t.paired_at, t.created_at))::float8 "
            f"FROM {quote_schema_name(schema)}.{Terminal._meta.db_table} t "
            f"JOIN {quote_schema_name(schema)}.{Storefront._meta.db_table} s ON s.id = t.storefront_id "
            f"WHERE t.status = 'active'"
            for _, schema in chunk
        )
        with connection.cursor() as cursor:
            cursor.execute(branches, [slug for slug, _ in chunk])
            rows += [(str(t), str(name), float(age)) for t, name, age in cursor.fetchall()]
    return rows


def outbox_backlog() -> dict[str, int]:
    """Messages written to the outbox and not yet handed to their provider (queued or being
    sent), when the messaging app is installed."""
    if not apps.is_installed("shared_apps.messaging"):
        return {}
    # By a name made at run time: the app may not be installed where this is type-checked.
    Message = apps.get_model(".".join(("messaging", "Message")))
    return {"messages": Message.objects.filter(status__in=["queued", "sending"]).count()}


def tenant_counts() -> dict[str, int]:
    from django.db.models import Count

    Tenant = apps.get_model("tenants", "Tenant")
    return {
        row["status"]: row["n"]
        for row in Tenant.objects.order_by().values("status").annotate(n=Count("id")).values("status", "n")
    }


class PlatformCollector(Collector):
    def collect(self) -> Iterator[Any]:
        try:
            queues = GaugeMetricFamily(
                "pos_celery_queue_length", "Tasks waiting in a queue.", labels=["queue"]
            )
            for queue, length in queue_lengths().items():
                queues.add_metric([queue], length)
            yield queues
            lag = GaugeMetricFamily(
                "pos_sync_terminal_lag_seconds",
                "Seconds since an active terminal last synced (or was paired).",
                labels=["tenant", "terminal"],
            )
            for tenant, terminal, age in terminal_lags():
                lag.add_metric([tenant, terminal], age)
            yield lag
            tenants = GaugeMetricFamily("pos_tenants", "Tenants, by status.", labels=["status"])
            for status, count in sorted(tenant_counts().items()):
                tenants.add_metric([status], count)
            yield tenants
            backlog = GaugeMetricFamily(
                "pos_backlog", "Work waiting to be done (e.g. messages not yet delivered).", labels=["name"]
            )
            for path in settings.POS_METRICS_BACKLOGS:
                for name, count in import_string(path)().items():
                    backlog.add_metric([name], count)
            yield backlog
        finally:
            if connection.schema_name != get_public_schema_name():
                connection.set_schema_to_public()
            connection.close()
