"""A shop moves from one Citus worker to the other (``citus_schema_move``) while its terminals
push: every sale lands once, retried batches get their first answer, and the books balance.

Runs on a Citus cluster only (``make test-citus``, docs/operations.md)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from decimal import Decimal

import psycopg
import pytest
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.tenants import citus
from shared_apps.tenants.reconciliation import tenant_reconcile
from shared_apps.tenants.services import TenantCreated
from sync.models import Op
from tenant_apps.inventory.models import StockLevel
from tenant_apps.sales.models import Sale
from tests.conftest import member_make, stock_shop
from tests.sync.conftest import pair_terminal
from tests.sync.ops import batch, push, sale

pytestmark = pytest.mark.skipif(not settings.POS_CITUS, reason="needs a Citus cluster (make test-citus)")

TERMINALS = 4
BATCHES = 8
PER_BATCH = 5


def _workers() -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nodename, nodeport FROM pg_dist_node WHERE shouldhaveshards AND noderole = 'primary' "
            "AND isactive ORDER BY nodeport"
        )
        return [(row[0], row[1]) for row in cursor.fetchall()]


def _move(schema_name: str, target: tuple[str, int]) -> None:
    """``citus_schema_move`` on a connection of its own, as an operator would run it."""
    db = connection.settings_dict
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"], dbname=db["NAME"], user=db["USER"], autocommit=True
    ) as admin:
        admin.execute(
            "SELECT citus_schema_move(%s::regnamespace, %s, %s)", [schema_name, target[0], target[1]]
        )


def test_a_shop_moves_between_workers_while_its_terminals_push(
    committed_tenant: Callable[..., TenantCreated],
) -> None:
    tenant = committed_tenant().tenant
    shop = stock_shop(tenant, member_make, stock=1000)
    tills = [pair_terminal(tenant, shop.storefront, code=f"M{i:02d}") for i in range(TERMINALS)]
    rice, soap = shop.products["rice"], shop.products["soap"]
    before = citus.schema_placement(tenant.schema_name)
    workers = _workers()
    assert len(workers) >= 2
    assert before in workers
    target = next(worker for worker in workers if worker != before)

    plans = []
    for t, till in enumerate(tills):
        batches = []
        for b in range(BATCHES):
            ops = [
                sale(
                    b * PER_BATCH + i + 1,
                    cashier=shop.cashier,
                    receipt=f"MOV-M{t:02d}-{b * PER_BATCH + i + 1:06d}",
                    at=timezone.now(),
                    lines=[(rice, "1"), (soap, "2")],
                )
                for i in range(PER_BATCH)
            ]
            batches.append(batch(*ops))
        plans.append((till, batches))
    first_batches = threading.Barrier(TERMINALS + 1)
    answers: dict[str, dict] = {}
    failures: list[str] = []
    retried: list[str] = []
    moving = threading.Event()
    during_move: list[str] = []

    def terminal(till: object, batches: list[dict]) -> None:
        try:
            for n, body in enumerate(batches):
                # A terminal keeps a batch until it has an answer: a failed request is sent again.
                for _attempt in range(20):
                    response = push(till.client, body)  # type: ignore[attr-defined]
                    if response.status_code == 200:
                        break
                    retried.append(f"{response.status_code}: {response.content[:200]!r}")
                else:
                    failures.append("a batch never got an answer")
                    continue
                results = response.json()["results"]
                if any(r["status"] != "applied" for r in results):
                    failures.append(f"not applied: {results}")
                answers[body["batch_id"]] = response.json()
                if moving.is_set():
                    during_move.append(body["batch_id"])
                if n == 0:
                    first_batches.wait(60)
            # The last batch again, as after a lost response: the same answer, nothing applied twice.
            again = push(till.client, batches[-1])  # type: ignore[attr-defined]
            if (
                again.status_code != 200
                or again.json()["results"] != answers[batches[-1]["batch_id"]]["results"]
            ):
                failures.append(f"replayed batch answered differently: {again.status_code}")
        except Exception as exc:
            failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=terminal, args=plan) for plan in plans]
    for thread in threads:
        thread.start()
    first_batches.wait(60)  # every terminal has sold; the rest is pushed during the move
    moving.set()
    _move(tenant.schema_name, target)
    moving.clear()
    for thread in threads:
        thread.join(300)

    assert failures == []
    assert during_move, "no batch was answered while the shop moved"
    assert citus.schema_placement(tenant.schema_name) == target
    sold = TERMINALS * BATCHES * PER_BATCH
    with tenant_context(tenant):
        assert Sale.objects.count() == sold
        assert Op.objects.filter(status="applied").count() == sold
        assert StockLevel.objects.get(product=rice, storefront=shop.storefront).quantity == Decimal(
            1000 - sold
        )
        assert StockLevel.objects.get(product=soap, storefront=shop.storefront).quantity == Decimal(
            1000 - 2 * sold
        )
    assert all(check.ok for check in tenant_reconcile(tenant=tenant))
