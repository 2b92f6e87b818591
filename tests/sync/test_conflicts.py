"""Conflicts for admins: listed, filtered, resolved (accept, annotate, adjust stock)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from pos_platform.kernel.audit.models import AuditEvent
from sync.models import Conflict
from tenant_apps.inventory.models import StockLevel, StockMovement
from tests.conftest import Member, Shop
from tests.sync.conftest import PairedTerminal, pair_terminal
from tests.sync.ops import batch, push, results, sale

D = Decimal


@pytest.fixture
def oversold(shop_a: Shop) -> tuple[PairedTerminal, dict]:
    till = pair_terminal(shop_a.tenant, shop_a.storefront, code="T1")
    [answer] = results(
        push(
            till.client,
            batch(
                sale(
                    1,
                    cashier=shop_a.cashier,
                    lines=[(shop_a.products["rice"], "110")],
                    pay="5000.00",
                    totals={"total": "1.00"},
                )
            ),
        )
    )
    return till, answer


def test_conflicts_are_listed_and_filtered(shop_a: Shop, oversold: tuple[PairedTerminal, dict]) -> None:
    owner = shop_a.owner.client

    everything = owner.get("/api/v1/sync/conflicts").json()
    only = owner.get("/api/v1/sync/conflicts", {"kind": "oversold", "status": "open"}).json()
    none = owner.get("/api/v1/sync/conflicts", {"status": "resolved"}).json()

    assert {c["kind"] for c in everything["results"]} == {"oversold", "total_mismatch"}
    assert [c["kind"] for c in only["results"]] == ["oversold"]
    assert only["results"][0]["product_id"] == str(shop_a.products["rice"].pk)
    assert only["results"][0]["sale_id"] == oversold[1]["id"]
    assert none["results"] == []


def test_every_stored_kind_can_be_filtered_on(shop_a: Shop) -> None:
    till = pair_terminal(shop_a.tenant, shop_a.storefront, code="T3")
    results(
        push(
            till.client,
            batch(
                sale(
                    1,
                    cashier=shop_a.cashier,
                    lines=[(shop_a.products["water"], "1")],
                    pay="1.00",
                    shift_id="8d6b6f0e-9a43-4d3c-9a0f-0d9f4f0a3c11",
                )
            ),
        )
    )

    kinds = {
        kind: shop_a.owner.client.get("/api/v1/sync/conflicts", {"kind": kind})
        for kind in ("payment_mismatch", "shift_missing")
    }

    for kind, response in kinds.items():
        assert response.status_code == 200, response.json()
        assert [c["kind"] for c in response.json()["results"]] == [kind]


def test_a_bad_filter_is_400(shop_a: Shop, oversold: tuple[PairedTerminal, dict]) -> None:
    response = shop_a.owner.client.get("/api/v1/sync/conflicts", {"kind": "bogus"})

    assert response.status_code == 400
    assert response.json()["code"] == "query_invalid"
    assert response.json()["details"]["parameter"] == "kind"


def test_accept_and_annotate(shop_a: Shop, oversold: tuple[PairedTerminal, dict]) -> None:
    owner = shop_a.owner.client
    with tenant_context(shop_a.tenant):
        total = Conflict.objects.get(kind="total_mismatch")
        over = Conflict.objects.get(kind="oversold")

    accepted = owner.post(
        f"/api/v1/sync/conflicts/{total.pk}/resolve", {"resolution": "accepted"}, format="json"
    )
    annotated = owner.post(
        f"/api/v1/sync/conflicts/{over.pk}/resolve",
        {"resolution": "annotated", "note": "stock arrived late"},
        format="json",
    )
    again = owner.post(f"/api/v1/sync/conflicts/{over.pk}/resolve", {"resolution": "accepted"}, format="json")

    assert (accepted.status_code, accepted.json()["resolution"]) == (200, "accepted")
    assert annotated.json()["note"] == "stock arrived late"
    assert (again.status_code, again.json()["code"]) == (409, "conflict_already_resolved")
    status = oversold[0].client.get("/api/v1/sync/status").json()
    assert status["open_conflicts"] == 0
    with tenant_context(shop_a.tenant):
        assert AuditEvent.objects.filter(action="conflict.resolved").count() == 2


def test_adjust_stock_books_a_movement(shop_a: Shop, oversold: tuple[PairedTerminal, dict]) -> None:
    with tenant_context(shop_a.tenant):
        over = Conflict.objects.get(kind="oversold")
        before = StockMovement.objects.count()

    response = shop_a.owner.client.post(
        f"/api/v1/sync/conflicts/{over.pk}/resolve",
        {"resolution": "stock_adjusted", "quantity": "15", "note": "counted the back room"},
        format="json",
    )

    assert response.status_code == 200
    with tenant_context(shop_a.tenant):
        level = StockLevel.objects.get(product=shop_a.products["rice"], storefront=shop_a.storefront)
        assert level.quantity == D("5")  # 100 - 110 + 15
        assert StockMovement.objects.count() == before + 1
        movement = StockMovement.objects.order_by("-created_at").first()
        assert (movement.kind, movement.quantity, movement.reason) == ("adjust", D("15"), "correction")


def test_bad_resolutions_change_nothing(shop_a: Shop, oversold: tuple[PairedTerminal, dict]) -> None:
    owner = shop_a.owner.client
    with tenant_context(shop_a.tenant):
        over = Conflict.objects.get(kind="oversold")
        total = Conflict.objects.get(kind="total_mismatch")
    cases = [
        (over, {"resolution": "forgiven"}, "invalid"),
        (over, {"resolution": "stock_adjusted"}, "quantity_required"),
        (over, {"resolution": "annotated"}, "note_required"),
        (total, {"resolution": "stock_adjusted", "quantity": "3"}, "conflict_has_no_product"),
    ]
    for conflict, payload, code in cases:
        response = owner.post(f"/api/v1/sync/conflicts/{conflict.pk}/resolve", payload, format="json")
        assert (response.status_code, response.json()["code"]) == (400, code), payload
    with tenant_context(shop_a.tenant):
        assert set(Conflict.objects.values_list("status", flat=True)) == {"open"}
        assert (
            StockLevel.objects.get(product=shop_a.products["rice"], storefront=shop_a.storefront).quantity
            == -10
        )


def test_cashiers_scoped_managers_and_other_tenants_cannot_resolve(
    shop_a: Shop, oversold: tuple[PairedTerminal, dict], make_member: Callable[..., Member], tenant_b: object
) -> None:
    with tenant_context(shop_a.tenant):
        over = Conflict.objects.get(kind="oversold")
    elsewhere = make_member(shop_a.tenant, "manager", storefront_id=shop_a.other_storefront.pk)
    foreign = make_member(tenant_b, "owner")
    path = f"/api/v1/sync/conflicts/{over.pk}/resolve"

    assert shop_a.cashier.client.post(path, {"resolution": "accepted"}, format="json").status_code == 403
    assert elsewhere.client.post(path, {"resolution": "accepted"}, format="json").status_code == 404
    assert elsewhere.client.get("/api/v1/sync/conflicts").json()["results"] == []
    assert foreign.client.post(path, {"resolution": "accepted"}, format="json").status_code == 404
    with tenant_context(shop_a.tenant):
        assert Conflict.objects.get(pk=over.pk).status == "open"


def test_clock_skew_conflicts_are_listed(shop_a: Shop) -> None:
    till = pair_terminal(shop_a.tenant, shop_a.storefront, code="T2")
    results(
        push(
            till.client,
            batch(
                sale(
                    1,
                    cashier=shop_a.cashier,
                    lines=[(shop_a.products["water"], "1")],
                    at=timezone.now() + dt.timedelta(days=3),
                )
            ),
        )
    )

    listed = shop_a.owner.client.get("/api/v1/sync/conflicts", {"kind": "clock_skew"}).json()["results"]

    assert len(listed) == 1
    assert listed[0]["details"]["reason"] == "future"
