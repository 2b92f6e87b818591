"""Fixtures of the fault tests: a committed shop with paired terminals, a Redis of their own
(stopped and started again by the tests), and HTTP helpers for the production server.

Every test here injects a fault into real processes (gunicorn, redis-server, PostgreSQL
backends, Celery workers) and is marked ``faults``; each runs for seconds."""

from __future__ import annotations

import gzip
import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from django.db import connection

from bench.common import RedisProcess, redis_server
from shared_apps.tenants.services import TenantCreated
from tests.conftest import Shop, host_of, member_make, stock_shop
from tests.sync.conftest import PairedTerminal, pair_terminal
from tests.sync.ops import batch, sale


@dataclass
class FaultShop:
    shop: Shop
    host: str
    tills: list[PairedTerminal]

    def client(self, base_url: str, *, token: str | None = None, timeout: float = 30) -> httpx.Client:
        headers = {"Host": self.host}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=base_url, headers=headers, timeout=timeout)

    def sale_body(self, quantity: str = "1") -> dict[str, Any]:
        return {
            "storefront_id": str(self.shop.storefront.pk),
            "lines": [{"product_id": str(self.shop.products["rice"].pk), "quantity": quantity}],
            "payments": [{"method": "cash", "amount": "1000.00"}],
        }

    def sales_batch(self, till: int, first_seq: int, count: int) -> dict[str, Any]:
        """A batch of ``count`` one-line sales of terminal ``till`` from ``first_seq`` on."""
        rice = self.shop.products["rice"]
        return batch(
            *(
                sale(
                    seq,
                    cashier=self.shop.cashier,
                    lines=[(rice, "1")],
                    receipt=f"ACC-T{till:02d}-{seq:06d}",
                )
                for seq in range(first_seq, first_seq + count)
            )
        )


def push_over_http(client: httpx.Client, credential: str, body: dict[str, Any]) -> httpx.Response:
    return client.post(
        "/api/v1/sync/push",
        content=gzip.compress(json.dumps(body).encode()),
        headers={
            "Authorization": f"Bearer {credential}",
            "Content-Type": "application/json",
            "Content-Encoding": "gzip",
        },
    )


@pytest.fixture
def fault_shop(committed_tenant: Callable[..., TenantCreated]) -> Callable[..., FaultShop]:
    """``fault_shop(terminals=n)``: a committed, stocked shop with ``n`` paired terminals."""

    def make(terminals: int = 1) -> FaultShop:
        tenant = committed_tenant().tenant
        shop = stock_shop(tenant, member_make, stock=5000)
        tills = [pair_terminal(tenant, shop.storefront, code=f"T{i:02d}") for i in range(terminals)]
        connection.set_schema_to_public()
        return FaultShop(shop=shop, host=host_of(tenant.slug), tills=tills)

    return make


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisProcess]:
    """A redis-server of the test's own, for the servers it starts."""
    with redis_server(tmp_path / f"redis-{uuid.uuid4().hex[:6]}") as server:
        yield server


# The application_name of the servers' database connections (libpq reads PGAPPNAME), so that a
# test terminates their backends and never its own.
WEB_APP_NAME = "pos-faults-web"


def conninfo(**overrides: Any) -> dict[str, Any]:
    db = connection.settings_dict
    info = {"host": db["HOST"], "user": db["USER"] or "postgres", "dbname": db["NAME"]}
    if db.get("PORT"):
        info["port"] = db["PORT"]
    if db.get("PASSWORD"):
        info["password"] = db["PASSWORD"]
    info.update(overrides)
    return info


@pytest.fixture
def admin_db(live_db: None) -> Iterator[psycopg.Connection[Any]]:
    """A connection of the test's own to the test database (autocommit), for injecting faults."""
    with psycopg.connect(**conninfo(), autocommit=True) as conn:
        yield conn


def terminate_backends(admin: psycopg.Connection[Any], *, waiting_only: bool = False) -> int:
    """``pg_terminate_backend`` every backend of the servers (those waiting on a lock only, with
    ``waiting_only``); answers how many were terminated."""
    sql = (
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
        "WHERE application_name = %s AND pid <> pg_backend_pid()"
    )
    if waiting_only:
        sql += " AND wait_event_type = 'Lock'"
    # Inside a transaction pg_stat_activity is read once and kept: read it afresh.
    admin.execute("SELECT pg_stat_clear_snapshot()")
    row = admin.execute(sql, [WEB_APP_NAME]).fetchone()
    return int(row[0]) if row else 0
