"""A tenant task through a real Celery worker and the real Redis broker."""

from __future__ import annotations

from collections.abc import Callable

from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django_tenants.utils import tenant_context

from pos_platform.celery import app
from pos_platform.tasks import tenant_probe
from shared_apps.tenants.services import TenantCreated
from tenant_apps.storefronts.services import storefront_create


def test_a_task_runs_in_the_schema_of_the_tenant_that_sent_it(
    committed_tenant: Callable[..., TenantCreated],
) -> None:
    one, two = committed_tenant().tenant, committed_tenant().tenant
    with tenant_context(one):
        storefront_create(code="AAA", name="One A")
        storefront_create(code="AAB", name="One B")
    with tenant_context(two):
        storefront_create(code="BBB", name="Two")

    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        with tenant_context(one):
            first = tenant_probe.delay()
        with tenant_context(two):
            second = tenant_probe.delay()
        results = (first.get(timeout=30), second.get(timeout=30))

    assert results == (
        {"schema": one.schema_name, "storefronts": 2},
        {"schema": two.schema_name, "storefronts": 1},
    )


def test_beat_uses_the_tenant_aware_scheduler() -> None:
    from tenant_schemas_celery.scheduler import TenantAwareScheduler

    from pos_platform.scheduler import PlatformScheduler

    assert app.conf.beat_scheduler == "pos_platform.scheduler:PlatformScheduler"
    assert issubclass(PlatformScheduler, TenantAwareScheduler)
    assert app.conf.broker_url == settings.REDIS_URL
