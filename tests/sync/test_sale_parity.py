"""One sale writer: a sale stores the same rows whichever path records it.

The same terminal sales are recorded three ways from the same starting state: by ``sale_record``
(the service the API calls), by a sync push written set-based, and by a sync push whose run the
database refused (written again sale by sale). Each time every row the sales leave is read back
(sales, lines, payments, events, stock movements and levels, the shift, the conflicts) and the
three readings must be equal, apart from row ids and server times. Each recording is rolled back
to a savepoint before the next one.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone
from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from sync.models import Conflict
from tenant_apps.inventory.models import StockLevel, StockMovement
from tenant_apps.sales.models import Payment, Sale, SaleEvent, SaleLine
from tenant_apps.sales.services import write as sales_write_module
from tenant_apps.sales.services.sale import (
    ONLINE,
    ClientTotals,
    Origin,
    PaymentInput,
    SaleLineInput,
    sale_record,
)
from tenant_apps.shifts.models import Shift
from tenant_apps.shifts.services import shift_open
from tests.conftest import Shop
from tests.sync.conftest import PairedTerminal, pair_terminal
from tests.sync.ops import batch, push, results, sale

D = Decimal
# Made by the server at write time (row ids, clocks): not part of what a sale is.
_SERVER_MADE = {"id", "received_at", "created_at", "updated_at", "changed_at"}


class _Rollback(Exception):
    def __init__(self, rows: dict[str, Any]) -> None:
        self.rows = rows


@pytest.fixture
def till(shop_a: Shop) -> PairedTerminal:
    return pair_terminal(shop_a.tenant, shop_a.storefront, code="T1")


def _rows(queryset: Any, *order: str) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in row.items() if k not in _SERVER_MADE} for row in queryset.order_by(*order).values()
    ]


def _stored(shop: Shop, sale_ids: list[str], shift_id: uuid.UUID) -> dict[str, Any]:
    with tenant_context(shop.tenant):
        return {
            "sales": _rows(Sale.objects.filter(pk__in=sale_ids), "occurred_at"),
            "lines": _rows(SaleLine.objects.filter(sale_id__in=sale_ids), "sale__occurred_at", "position"),
            "payments": _rows(Payment.objects.filter(sale_id__in=sale_ids), "sale__occurred_at", "position"),
            "events": _rows(SaleEvent.objects.filter(sale_id__in=sale_ids), "occurred_at"),
            "movements": _rows(
                StockMovement.objects.filter(sale_id__in=sale_ids), "occurred_at", "product_id"
            ),
            "levels": _rows(StockLevel.objects.filter(storefront=shop.storefront), "product_id"),
            "shift": _rows(Shift.objects.filter(pk=shift_id), "id"),
            "sync_conflicts": _rows(Conflict.objects.filter(sale_id__in=sale_ids), "created_at", "kind"),
        }


def _recorded(shop: Shop, record: Callable[[], Any], sale_ids: list[str], shift_id: uuid.UUID) -> Any:
    """What ``record`` answers and stores, then rolled back."""
    try:
        with transaction.atomic():
            answer = record()
            raise _Rollback({"answer": answer, **_stored(shop, sale_ids, shift_id)})
    except _Rollback as done:
        return done.rows


def _conflict_codes(conflicts: list[dict[str, Any]]) -> list[str]:
    return [c.get("kind") or c["code"] for c in conflicts]


def test_a_terminal_sale_stores_the_same_rows_through_sale_record_and_both_sync_paths(
    shop_a: Shop, till: PairedTerminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    rice, soap = shop_a.products["rice"], shop_a.products["soap"]
    cashier = shop_a.cashier
    with tenant_context(shop_a.tenant):
        shift = shift_open(
            storefront_id=shop_a.storefront.pk,
            cashier_id=cashier.user.pk,
            opening_float=D(0),
            actor=Actor.system("t"),
        )
    at = timezone.now() - dt.timedelta(minutes=30)
    # A clean sale; then one that reuses its receipt number, takes rice below zero, charged a
    # price of its own, expected other totals and paid too little.
    first = sale(1, cashier=cashier, lines=[(rice, "2"), (soap, "1")], at=at, shift_id=str(shift.pk))
    second = sale(
        2,
        cashier=cashier,
        lines=[(rice, "150")],
        receipt=first["data"]["receipt_number"],
        pay="10.00",
        at=at + dt.timedelta(minutes=5),
        shift_id=str(shift.pk),
        totals={"total": "3000.00"},
    )
    second["data"]["lines"][0]["unit_price"] = "20.00"
    ops = [first, second]
    sale_ids = [o["op_id"] for o in ops]

    def by_service() -> list[list[str]]:
        answers = []
        with tenant_context(shop_a.tenant):
            for o in ops:
                data = o["data"]
                recorded = sale_record(
                    storefront_id=shop_a.storefront.pk,
                    cashier_id=cashier.user.pk,
                    lines=[
                        SaleLineInput(
                            uuid.UUID(x["product_id"]),
                            D(x["quantity"]),
                            unit_price=D(x["unit_price"]) if "unit_price" in x else None,
                        )
                        for x in data["lines"]
                    ],
                    payments=[PaymentInput(p["method"], D(p["amount"])) for p in data["payments"]],
                    origin=Origin.terminal(
                        terminal_id=till.terminal.pk, receipt_number=data["receipt_number"]
                    ),
                    sale_id=uuid.UUID(o["op_id"]),
                    occurred_at=dt.datetime.fromisoformat(o["occurred_at"]),
                    client_totals=ClientTotals(total=D(data["totals"]["total"]))
                    if "totals" in data
                    else None,
                    shift_id=shift.pk,
                )
                answers.append(_conflict_codes([c.as_json() for c in recorded.conflicts]))
        return answers

    def by_push() -> list[list[str]]:
        answers = results(push(till.client, batch(*ops)))
        assert [a["status"] for a in answers] == ["applied", "applied"]
        return [_conflict_codes(a.get("conflicts", [])) for a in answers]

    def by_push_sale_by_sale() -> list[list[str]]:
        def broken(model: object, rows: object, **kwargs: object) -> None:
            raise DatabaseError("simulated failure of the set-based write")

        with monkeypatch.context() as patch:
            patch.setattr(sales_write_module, "copy_rows", broken)
            return by_push()

    service = _recorded(shop_a, by_service, sale_ids, shift.pk)
    set_based = _recorded(shop_a, by_push, sale_ids, shift.pk)
    one_by_one = _recorded(shop_a, by_push_sale_by_sale, sale_ids, shift.pk)

    # The sales really are there, with the conflicts they deserve, and stock went below zero.
    expected_conflicts = [
        [],
        ["price_mismatch", "payment_mismatch", "total_mismatch", "receipt_clash", "oversold"],
    ]
    assert service["answer"] == set_based["answer"] == one_by_one["answer"] == expected_conflicts
    assert [s["shift_id"] for s in set_based["sales"]] == [shift.pk, shift.pk]
    assert len(set_based["lines"]) == 3
    assert len(set_based["movements"]) == 3
    rice_level = next(row for row in set_based["levels"] if row["product_id"] == rice.pk)
    assert rice_level["quantity"] == D("-52")
    assert {c["kind"] for c in set_based["sync_conflicts"]} == set(expected_conflicts[1])
    # Whole rows, path against path (the service stores no sync conflicts: the engine does).
    for table in ("sales", "lines", "payments", "events", "movements", "levels", "shift"):
        assert service[table] == set_based[table], table
    assert set_based == one_by_one


def test_an_online_sale_and_the_same_sale_from_a_terminal_store_the_same_figures(
    shop_a: Shop, till: PairedTerminal
) -> None:
    rice = shop_a.products["rice"]
    cashier = shop_a.cashier
    with tenant_context(shop_a.tenant):
        shift = shift_open(
            storefront_id=shop_a.storefront.pk,
            cashier_id=cashier.user.pk,
            opening_float=D(0),
            actor=Actor.system("t"),
        )
    sale_id = uuid.uuid4()

    def online() -> None:
        with tenant_context(shop_a.tenant):
            sale_record(
                storefront_id=shop_a.storefront.pk,
                cashier_id=cashier.user.pk,
                lines=[SaleLineInput(rice.pk, D(3))],
                payments=[PaymentInput("cash", D("100.00"))],
                origin=ONLINE,
                sale_id=sale_id,
            )

    def offline(**extra: Any) -> Callable[[], None]:
        def run() -> None:
            o = sale(1, cashier=cashier, lines=[(rice, "3")], pay="100.00", **extra)
            o["op_id"] = str(sale_id)
            assert results(push(till.client, batch(o)))[0]["status"] == "applied"

        return run

    ids = [str(sale_id)]
    on = _recorded(shop_a, online, ids, shift.pk)
    off = _recorded(shop_a, offline(shift_id=str(shift.pk)), ids, shift.pk)
    off_no_shift = _recorded(shop_a, offline(), ids, shift.pk)

    # Where and when it was made differ; the figures, lines, payments and stock do not.
    where = {"origin", "terminal_id", "receipt_number", "occurred_at", "business_date"}
    assert [{k: v for k, v in s.items() if k not in where} for s in on["sales"]] == [
        {k: v for k, v in s.items() if k not in where} for s in off["sales"]
    ]
    assert (on["sales"][0]["origin"], off["sales"][0]["origin"]) == ("online", "terminal")
    assert on["lines"] == off["lines"]
    assert on["payments"] == off["payments"]
    moved = [{k: v for k, v in m.items() if k != "occurred_at"} for m in on["movements"]]
    assert moved == [{k: v for k, v in m.items() if k != "occurred_at"} for m in off["movements"]]
    assert on["levels"] == off["levels"]
    assert on["shift"] == off["shift"]
    # An online sale joins the cashier's open shift; a terminal sale keeps the shift it names,
    # or none (docs/sync-protocol.md).
    assert on["sales"][0]["shift_id"] == off["sales"][0]["shift_id"] == shift.pk
    assert off_no_shift["sales"][0]["shift_id"] is None
