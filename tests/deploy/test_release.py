"""A release without downtime: `tenant migrate` (nothing to apply, the schema snapshot and the pool
of schemas built ahead rebuilt) while gunicorn serves tills and probes under load; not one request
fails, and the work done during the migration is all in the books."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django_tenants.utils import tenant_context

from shared_apps.tenants import provisioning
from shared_apps.tenants.models import PooledSchema, SchemaSnapshot
from shared_apps.tenants.reconciliation import tenant_reconcile
from shared_apps.tenants.services import TenantCreated
from tenant_apps.sales.models import Sale
from tests.conftest import host_of, member_make, stock_shop
from tests.production_server import BASE_DIR, database_url, gunicorn

pytestmark = pytest.mark.slow

CLIENTS = 8


def _request(base: str, host: str, token: str | None, method: str, path: str, body: Any = None) -> int:
    headers = {"Host": host, "Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method, headers=headers)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except OSError:
        return 0  # refused or reset: a failed request too


def test_tenant_migrate_while_serving_fails_no_request(
    committed_tenant: Callable[..., TenantCreated],
) -> None:
    tenant = committed_tenant().tenant
    shop = stock_shop(tenant, member_make)
    connection.set_schema_to_public()
    host = host_of(tenant.slug)
    sale = {
        "storefront_id": str(shop.storefront.pk),
        "lines": [{"product_id": str(shop.products["airtime"].pk), "quantity": "1"}],
        "payments": [{"method": "cash", "amount": "5.00"}],
    }
    # The snapshot is gone and the pool empty: the migration must rebuild both.
    SchemaSnapshot.objects.all().delete()
    before_pool = set(PooledSchema.objects.values_list("pk", flat=True))
    statuses: Counter[tuple[str, int]] = Counter()
    during: Counter[str] = Counter()
    window: dict[str, float] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def till(number: int, base: str) -> None:
        token = shop.cashier.token if number % 2 else shop.owner.token
        while not stop.is_set():
            for kind, (method, path, body, who) in {
                "sale": ("POST", "/api/v1/sales", sale, shop.cashier.token),
                "products": ("GET", "/api/v1/products?limit=5", None, token),
                "probe": ("GET", "/healthz", None, None),
            }.items():
                status = _request(base, host if kind != "probe" else "127.0.0.1", who, method, path, body)
                now = time.monotonic()
                with lock:
                    statuses[(kind, status)] += 1
                    if window.get("start", now + 1) <= now <= window.get("end", now + 1):
                        during[kind] += 1

    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "pos_platform.settings",
        "POS_SCHEMA_POOL_SIZE": "2",
        "POS_HTTPS": "0",
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
    }
    try:
        with gunicorn(database_url=database_url(), workers=2, threads=4) as base:
            threads = [threading.Thread(target=till, args=(n, base)) for n in range(CLIENTS)]
            for thread in threads:
                thread.start()
            time.sleep(2)  # traffic first
            window["start"] = time.monotonic()
            migrate = subprocess.run(
                [sys.executable, "manage.py", "tenant", "migrate", "--parallel", "2"],
                env=env,
                cwd=BASE_DIR,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            window["end"] = time.monotonic()
            time.sleep(1)
            stop.set()
            for thread in threads:
                thread.join(timeout=120)

        assert migrate.returncode == 0, migrate.stderr
        assert "0 migrated, 0 failed" in migrate.stdout
        assert "Schema pool: 2 ready (2 built" in migrate.stdout
        assert SchemaSnapshot.objects.filter(pk=provisioning.migration_state().fingerprint).exists()
        failed = {key: n for key, n in statuses.items() if not 200 <= key[1] < 300}
        assert failed == {}
        # Real work went on while it ran: sales, reads and probes, all answered.
        assert during["sale"] >= 5, during
        assert during["products"] >= 5, during
        assert during["probe"] >= 5, during
        sold = statuses[("sale", 201)]
        with tenant_context(tenant):
            assert Sale.objects.count() == sold
        assert all(check.ok for check in tenant_reconcile(tenant=tenant))
    finally:
        connection.set_schema_to_public()
        for name in set(PooledSchema.objects.values_list("pk", flat=True)) - before_pool:
            PooledSchema.objects.filter(pk=name).delete()
            provisioning.schema_drop(schema_name=name)
        provisioning.snapshot_current()
