"""Twenty terminals pushing at once on the same products: nothing lost, nothing twice, no
deadlock, and the books balance."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from decimal import Decimal

from django.db import connections
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.tenants.reconciliation import tenant_reconcile
from shared_apps.tenants.services import TenantCreated
from sync.models import Op
from tenant_apps.inventory.models import StockLevel
from tenant_apps.sales.models import Sale
from tests.conftest import api_client, member_make, stock_shop
from tests.sync.conftest import pair_terminal
from tests.sync.ops import batch, push, sale

TERMINALS = 20
BATCHES = 3
PER_BATCH = 15


def test_twenty_terminals_push_at_once_on_the_same_products(
    committed_tenant: Callable[..., TenantCreated],
) -> None:
    tenant = committed_tenant().tenant
    shop = stock_shop(tenant, member_make, stock=5000)
    tills = [pair_terminal(tenant, shop.storefront, code=f"T{i:02d}") for i in range(TERMINALS)]
    rice, soap = shop.products["rice"], shop.products["soap"]
    plans = []
    for t, till in enumerate(tills):
        seq = 0
        batches = []
        for _ in range(BATCHES):
            ops = []
            for _ in range(PER_BATCH):
                seq += 1
                ops.append(
                    sale(
                        seq,
                        cashier=shop.cashier,
                        receipt=f"ACC-T{t:02d}-{seq:06d}",
                        at=timezone.now(),
                        lines=[(rice, "1"), (soap, "2")],
                    )
                )
            batches.append(batch(*ops))
        plans.append((till, batches))
    start = threading.Barrier(TERMINALS)
    failures: list[str] = []

    def terminal(till: object, batches: list[dict]) -> None:
        try:
            start.wait()
            for body in batches:
                response = push(till.client, body)  # type: ignore[attr-defined]
                if response.status_code != 200:
                    failures.append(f"{response.status_code}: {response.content[:200]!r}")
                elif any(r["status"] != "applied" for r in response.json()["results"]):
                    failures.append("an op was not applied")
        except Exception as exc:
            failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=terminal, args=plan) for plan in plans]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    sold = TERMINALS * BATCHES * PER_BATCH
    with tenant_context(tenant):
        assert Sale.objects.count() == sold
        assert Op.objects.filter(status="applied").count() == sold
        assert StockLevel.objects.get(product=rice, storefront=shop.storefront).quantity == Decimal(
            5000 - sold
        )
        assert StockLevel.objects.get(product=soap, storefront=shop.storefront).quantity == Decimal(
            5000 - 2 * sold
        )
    assert all(check.ok for check in tenant_reconcile(tenant=tenant))


def test_two_copies_of_a_batch_at_the_same_instant_apply_it_once(
    committed_tenant: Callable[..., TenantCreated],
) -> None:
    """A retry racing the first copy (two app instances, a proxy's retry): the batch claim and the
    op table's keys, not a check before an insert, decide; both copies get the same bytes."""
    tenant = committed_tenant().tenant
    shop = stock_shop(tenant, member_make, stock=100)
    till = pair_terminal(tenant, shop.storefront, code="T1")
    body = batch(
        *[
            sale(seq, cashier=shop.cashier, receipt=f"ACC-T1-{seq:06d}", lines=[(shop.products["rice"], "1")])
            for seq in range(1, 41)
        ]
    )
    copies = 4
    start = threading.Barrier(copies)
    answers: list[tuple[int, bytes]] = []
    failures: list[str] = []

    def send() -> None:
        client = api_client(tenant.slug)  # one client per copy, as two app instances would be
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {till.credential}")
        try:
            start.wait()
            response = push(client, body)
            answers.append((response.status_code, response.content))
        except Exception as exc:
            failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    assert [status for status, _ in answers] == [200] * copies
    assert len({content for _, content in answers}) == 1  # the same bytes for every copy
    [content] = {content for _, content in answers}
    assert [r["status"] for r in json.loads(content)["results"]] == ["applied"] * 40
    with tenant_context(tenant):
        assert Sale.objects.count() == 40
        assert Op.objects.filter(status="applied").count() == 40
        assert (
            StockLevel.objects.get(product=shop.products["rice"], storefront=shop.storefront).quantity == 60
        )
    assert all(check.ok for check in tenant_reconcile(tenant=tenant))
