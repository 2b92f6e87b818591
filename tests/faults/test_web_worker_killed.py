"""A gunicorn worker SIGKILLed in the middle of a push or of an online sale with an Idempotency-Key.

The request is held inside its transaction (the test locks the sales table), the worker is killed
there, and the client's retry, served by the worker gunicorn starts in its place, applies the work
once; the same request once more gets the stored answer. Nothing is doubled."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest

from bench.common import gunicorn_workers
from shared_apps.tenants.reconciliation import tenant_reconcile
from tests.faults.conftest import WEB_APP_NAME, FaultShop, push_over_http
from tests.faults.test_database_faults import books, wait_for_lock_waiter
from tests.live_server import gunicorn

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("live_db")]


def killed_mid_request(
    fault: FaultShop, admin: psycopg.Connection[Any], base: str, send: Callable[[], httpx.Response]
) -> None:
    """Hold ``send()`` inside its transaction, SIGKILL the worker serving it, and check that the
    client saw the connection drop (no answer at all)."""
    (worker,) = gunicorn_workers(int(urlsplit(base).port or 0))
    with ThreadPoolExecutor(1) as pool, admin.transaction():
        admin.execute(f'LOCK TABLE "{fault.shop.tenant.schema_name}".sales_sale IN EXCLUSIVE MODE')
        pending = pool.submit(send)
        wait_for_lock_waiter(admin)
        os.kill(worker, signal.SIGKILL)
        with pytest.raises(httpx.TransportError):
            pending.result(timeout=30)


def test_a_worker_killed_mid_push_leaves_nothing_and_the_retry_applies_once(
    fault_shop: Callable[..., FaultShop], admin_db: psycopg.Connection[Any]
) -> None:
    fault = fault_shop(terminals=1)
    till = fault.tills[0]
    body = fault.sales_batch(0, 1, 4)
    before = books(fault)

    with gunicorn(workers=1, threads=2, env={"PGAPPNAME": WEB_APP_NAME}) as base:
        with fault.client(base) as client:
            killed_mid_request(fault, admin_db, base, lambda: push_over_http(client, till.credential, body))
        with fault.client(base) as client:
            retried = push_over_http(client, till.credential, body)
            again = push_over_http(client, till.credential, body)

    assert retried.status_code == 200, retried.text
    assert [r["status"] for r in retried.json()["results"]] == ["applied"] * 4
    assert again.json() == retried.json()
    after = books(fault)
    assert (after["sales"], after["ops"], after["batches"]) == (
        before["sales"] + 4,
        before["ops"] + 4,
        before["batches"] + 1,
    )
    assert all(check.ok for check in tenant_reconcile(tenant=fault.shop.tenant))


def test_a_worker_killed_mid_online_sale_and_the_retry_with_its_key_makes_one_sale(
    fault_shop: Callable[..., FaultShop], admin_db: psycopg.Connection[Any]
) -> None:
    fault = fault_shop()
    key = {"Idempotency-Key": uuid.uuid4().hex}
    before = books(fault)

    with gunicorn(workers=1, threads=2, env={"PGAPPNAME": WEB_APP_NAME}) as base:
        with fault.client(base, token=fault.shop.cashier.token) as client:
            killed_mid_request(
                fault,
                admin_db,
                base,
                lambda: client.post("/api/v1/sales", json=fault.sale_body("3"), headers=key),
            )
        with fault.client(base, token=fault.shop.cashier.token) as client:
            retried = client.post("/api/v1/sales", json=fault.sale_body("3"), headers=key)
            again = client.post("/api/v1/sales", json=fault.sale_body("3"), headers=key)

    assert retried.status_code == 201, retried.text
    assert (again.status_code, again.json()) == (201, retried.json())
    after = books(fault)
    assert after["sales"] == before["sales"] + 1
    assert after["rice"] == before["rice"] - 3
    assert all(check.ok for check in tenant_reconcile(tenant=fault.shop.tenant))
