"""Property: however batches are duplicated, reordered, split, retried or their answers lost,
the server ends as if each operation had been applied exactly once, in order.

Several terminals each make a sequence of sales, voids and refunds offline. The same operations
are then delivered twice: once cleanly (one batch per terminal, in order) and once through chaos
drawn by hypothesis (random batch splits, batches sent several times, batches of different
terminals interleaved and reordered, answers dropped so the client resends). Both runs happen in
rolled-back savepoints of one test transaction and must leave the same books: the same sales with
the same totals, the same voids and refunds, the same stock levels, nothing pending, and the
reconciliation passing.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared_apps.tenants.reconciliation import tenant_reconcile
from sync.models import Op
from tenant_apps.inventory.models import StockLevel
from tenant_apps.sales.models import Sale, SaleEvent
from tests.conftest import Member, Shop
from tests.sync.conftest import PairedTerminal, pair_terminal
from tests.sync.ops import batch, op, push, refund, results, sale, void

PRODUCTS = ("rice", "water", "soap", "airtime")


class Rollback(Exception):
    pass


def make_ops(
    shop: Shop, cashier: Member, manager: Member, rng: random.Random, count: int
) -> list[dict[str, Any]]:
    """One terminal's offline shift: sales, and voids and refunds of some of them (a void is
    allowed while the sale's shift is open, whatever the hour)."""
    start = timezone.now() - dt.timedelta(hours=6)
    shift_id = str(uuid.uuid4())
    ops: list[dict[str, Any]] = [
        op(
            "shift_open",
            1,
            {"cashier_id": str(cashier.user.pk), "shift_id": shift_id, "opening_float": "20.00"},
            at=start,
        )
    ]
    sales: list[dict[str, Any]] = []
    for seq in range(2, count + 2):
        at = start + dt.timedelta(minutes=seq)
        roll = rng.random()
        if sales and roll < 0.15:
            target = sales.pop(rng.randrange(len(sales)))
            ops.append(void(seq, sale_op=target, by=manager, at=at))
        elif sales and roll < 0.3:
            target = sales.pop(rng.randrange(len(sales)))
            ops.append(refund(seq, sale_op=target, by=manager, lines=[(0, "1")], at=at))
        else:
            picked = rng.sample(PRODUCTS, rng.randint(1, 3))
            one = sale(
                seq,
                cashier=cashier,
                at=at,
                receipt=f"ACC-T-{uuid.uuid4().hex[:8]}",
                shift_id=shift_id,
                lines=[(shop.products[name], str(rng.randint(1, 4))) for name in picked],
            )
            ops.append(one)
            sales.append(one)
    return ops


def books(shop: Shop) -> dict[str, Any]:
    with tenant_context(shop.tenant):
        return {
            "sales": sorted((str(s.pk), s.total, s.tax_total) for s in Sale.objects.all()),
            "events": sorted(
                (str(e.pk), e.kind, e.amount) for e in SaleEvent.objects.exclude(kind="created")
            ),
            "levels": sorted((str(lv.product_id), lv.quantity) for lv in StockLevel.objects.all()),
            "pending": Op.objects.filter(status="pending").count(),
            "rejected": sorted(Op.objects.filter(status="rejected").values_list("code", flat=True)),
            "reconciled": all(check.ok for check in tenant_reconcile(tenant=shop.tenant)),
        }


def run_isolated(fn: Any) -> dict[str, Any]:
    """Run ``fn`` in a savepoint that is rolled back, returning what it returned."""
    out: dict[str, Any] = {}
    try:
        with transaction.atomic():
            out.update(fn())
            raise Rollback
    except Rollback:
        pass
    return out


@pytest.fixture
def terminals(shop_a: Shop) -> list[PairedTerminal]:
    return [pair_terminal(shop_a.tenant, shop_a.storefront, code=f"T{i}") for i in range(3)]


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    seed=st.integers(0, 2**32 - 1),
    sizes=st.lists(st.integers(1, 12), min_size=2, max_size=3),
    chaos=st.data(),
)
def test_chaotic_delivery_ends_like_applying_each_op_once_in_order(
    shop_a: Shop,
    terminals: list[PairedTerminal],
    make_member: Any,
    seed: int,
    sizes: list[int],
    chaos: st.DataObject,
) -> None:
    rng = random.Random(seed)
    since = timezone.now() - dt.timedelta(days=2)
    manager = make_member(shop_a.tenant, "manager", since=since)
    streams = [
        (terminals[i], make_ops(shop_a, make_member(shop_a.tenant, "cashier", since=since), manager, rng, n))
        for i, n in enumerate(sizes)
    ]

    def clean() -> dict[str, Any]:
        for till, ops in streams:
            answers = results(push(till.client, batch(*ops)))
            assert all(r["status"] == "applied" for r in answers), answers
        return books(shop_a)

    def chaotic() -> dict[str, Any]:
        deliveries: list[tuple[PairedTerminal, dict[str, Any]]] = []
        for till, ops in streams:
            cuts = sorted(chaos.draw(st.sets(st.integers(1, max(1, len(ops) - 1)), max_size=4)))
            parts = [ops[a:b] for a, b in zip([0, *cuts], [*cuts, len(ops)], strict=True) if ops[a:b]]
            for part in parts:
                body = batch(*part)
                for _ in range(chaos.draw(st.integers(1, 3))):  # retries after lost answers
                    deliveries.append((till, body))
                if chaos.draw(st.booleans()):  # the client re-split the batch on a retry
                    half = max(1, len(part) // 2)
                    deliveries += [(till, batch(*part[:half])), (till, batch(*part[half:]))]
        order = chaos.draw(st.permutations(range(len(deliveries))))
        for index in order:
            till, body = deliveries[index]
            answers = results(push(till.client, body))
            assert all(a["status"] in ("applied", "duplicate", "pending") for a in answers), answers
        return books(shop_a)

    expected = run_isolated(clean)
    actual = run_isolated(chaotic)

    assert expected["pending"] == 0
    assert expected["reconciled"]
    assert actual == expected
