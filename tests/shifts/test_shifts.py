"""Cash shifts: float, cash in/out, sales and refunds through the drawer, counted close."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.errors import ApplicationError
from tenant_apps.sales.services import PaymentInput, RefundLineInput, sale_refund, sale_void
from tenant_apps.shifts.models import CashMovement, Shift, ShiftCount
from tenant_apps.shifts.services import cash_movement_record, shift_close, shift_open
from tests.conftest import Shop, api_client
from tests.sales.helpers import D, sell, use


def open_shift(shop: Shop, float_: str = "100.00") -> Shift:
    return shift_open(
        storefront_id=shop.storefront.pk,
        cashier_id=shop.cashier.user.pk,
        opening_float=D(float_),
        actor=Actor.of_user(shop.cashier.user),
    )


def test_close_records_expected_counted_and_difference_per_method(shop_a: Shop) -> None:
    shift = open_shift(shop_a)
    actor = Actor.of_user(shop_a.owner.user)
    cash_sale = sell(shop_a, ("rice", 2), pay=[PaymentInput("cash", D(60))]).sale  # 50 cash, 10 change
    sell(shop_a, ("rice", 1), pay=[PaymentInput("mobile_money", D(25), provider="MTN", reference="R")])
    voided = sell(shop_a, ("soap", 1)).sale
    sale_void(sale_id=voided.pk, actor=actor, reason="wrong")
    cash_movement_record(shift_id=shift.pk, kind="out", amount=D(30), reason="Bank", actor=actor)
    cash_movement_record(shift_id=shift.pk, kind="in", amount=D(5), reason="Coins", actor=actor)
    sale_refund(
        sale_id=cash_sale.pk,
        lines=[RefundLineInput(cash_sale.lines.get().pk, D(1))],
        actor=actor,
        reason="r",
        shift_id=shift.pk,
    )

    shift_close(shift_id=shift.pk, counted={"cash": D("98.00"), "mobile_money": D(25)}, actor=actor)

    counts = {
        c.method_code: (c.expected, c.counted, c.difference) for c in ShiftCount.objects.filter(shift=shift)
    }
    # cash: 100 float + 50 sale - 30 out + 5 in - 25 refund = 100
    assert counts == {"cash": (D(100), D(98), D(-2)), "mobile_money": (D(25), D(25), D(0))}
    shift.refresh_from_db()
    assert shift.closed_at is not None


def state() -> tuple[object, ...]:
    """Shifts, cash movements and counts: a refused operation must leave them unchanged."""
    return (
        list(Shift.objects.order_by("pk").values_list("pk", "closed_at", "close_note")),
        CashMovement.objects.count(),
        ShiftCount.objects.count(),
    )


def test_shift_rules(shop_a: Shop) -> None:
    shift = open_shift(shop_a)
    actor = Actor.system("t")
    cases: list[tuple[Any, str]] = [
        (lambda: open_shift(shop_a), "shift_already_open"),
        (
            lambda: shift_open(
                storefront_id=shop_a.storefront.pk, cashier_id=uuid.uuid4(), opening_float=D(-1), actor=actor
            ),
            "shift_invalid",
        ),
        (
            lambda: cash_movement_record(
                shift_id=shift.pk, kind="sideways", amount=D(1), reason="x", actor=actor
            ),
            "shift_invalid",
        ),
        (
            lambda: cash_movement_record(shift_id=shift.pk, kind="in", amount=D(0), reason="x", actor=actor),
            "shift_invalid",
        ),
        (
            lambda: cash_movement_record(shift_id=shift.pk, kind="in", amount=D(1), reason=" ", actor=actor),
            "reason_required",
        ),
        (
            lambda: shift_close(shift_id=shift.pk, counted={"mobile_money": D(0)}, actor=actor),
            "cash_count_required",
        ),
        (
            lambda: shift_close(shift_id=shift.pk, counted={"cash": D(0), "gold": D(1)}, actor=actor),
            "payment_method_unknown",
        ),
        (lambda: shift_close(shift_id=uuid.uuid4(), counted={"cash": D(0)}, actor=actor), "shift_not_found"),
    ]
    before = state()
    for call, code in cases:
        with pytest.raises(ApplicationError) as error:
            call()
        assert error.value.code == code
        assert state() == before, code
    shift_close(shift_id=shift.pk, counted={"cash": D(100)}, actor=actor)
    closed = state()
    for call in (
        lambda: cash_movement_record(shift_id=shift.pk, kind="in", amount=D(1), reason="late", actor=actor),
        lambda: shift_close(shift_id=shift.pk, counted={"cash": D(1)}, actor=actor),
    ):
        with pytest.raises(ApplicationError) as error:
            call()
        assert error.value.code == "shift_closed"
        assert state() == closed


def test_shift_api_for_the_cashier_and_a_supervisor(shop_a: Shop, make_member) -> None:
    cashier = shop_a.cashier.client
    opened = cashier.post(
        "/api/v1/shifts", {"storefront_id": str(shop_a.storefront.pk), "opening_float": "50"}, format="json"
    )
    assert opened.status_code == 201, opened.json()
    shift_id = opened.json()["id"]
    other = make_member(shop_a.tenant, "cashier", storefront_id=shop_a.storefront.pk)
    manager = make_member(shop_a.tenant, "manager", storefront_id=shop_a.storefront.pk)
    elsewhere = make_member(shop_a.tenant, "manager", storefront_id=shop_a.other_storefront.pk)

    cash = cashier.post(
        f"/api/v1/shifts/{shift_id}/cash-movements",
        {"kind": "out", "amount": "10", "reason": "x"},
        format="json",
    )
    peer = other.client.post(f"/api/v1/shifts/{shift_id}/close", {"counted": {"cash": "40"}}, format="json")
    foreign = elsewhere.client.get(f"/api/v1/shifts/{shift_id}")
    detail = manager.client.get(f"/api/v1/shifts/{shift_id}").json()
    bad = manager.client.post(f"/api/v1/shifts/{shift_id}/close", {"counted": {"cash": "-1"}}, format="json")
    closed = manager.client.post(
        f"/api/v1/shifts/{shift_id}/close", {"counted": {"cash": "40"}}, format="json"
    )

    assert cash.status_code == 201
    assert peer.status_code == foreign.status_code == 404
    assert detail["expected"] == [{"method_code": "cash", "method_kind": "cash", "expected": "40.00"}]
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    assert closed.status_code == 200, closed.json()
    assert closed.json()["counts"] == [
        {
            "method_code": "cash",
            "method_kind": "cash",
            "expected": "40.00",
            "counted": "40.00",
            "difference": "0.00",
        }
    ]
    # The answers to open and close read as the shift reads afterwards.
    after = manager.client.get(f"/api/v1/shifts/{shift_id}").json()
    assert {**closed.json(), "expected": after["expected"]} == after
    kept = ("id", "storefront_id", "cashier_id", "opening_float", "opened_at", "close_note")
    assert {k: opened.json()[k] for k in kept} == {k: after[k] for k in kept}
    assert [s["id"] for s in other.client.get("/api/v1/shifts").json()["results"]] == []
    assert [s["id"] for s in manager.client.get("/api/v1/shifts").json()["results"]] == [shift_id]


def test_shift_isolation(shop_a: Shop, shop_b: Shop) -> None:
    use(shop_a)
    shift = open_shift(shop_a)

    response = shop_b.owner.client.post(
        f"/api/v1/shifts/{shift.pk}/close", {"counted": {"cash": "1"}}, format="json"
    )
    foreign = api_client("beta")
    foreign.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_a.cashier.token}")

    assert response.status_code == 404
    assert foreign.get("/api/v1/shifts").status_code == 401
    use(shop_a)
    shift.refresh_from_db()
    assert shift.closed_at is None


@pytest.mark.parametrize(
    ("path", "data", "code"),
    [
        ("/api/v1/shifts", {"storefront_id": "SF", "opening_float": "-5"}, "invalid"),
        ("/api/v1/shifts", {"storefront_id": "SF", "opening_float": "ten"}, "invalid"),
        ("/api/v1/shifts", {"storefront_id": "SF", "opening_float": "1.001"}, "invalid"),
        (
            "/api/v1/shifts",
            {"storefront_id": str(uuid.uuid4()), "opening_float": "5"},
            "storefront_not_found",
        ),
        ("/api/v1/shifts", {"opening_float": "5"}, "invalid"),
        ("SHIFT/cash-movements", {"kind": "sideways", "amount": "1", "reason": "x"}, "invalid"),
        ("SHIFT/cash-movements", {"kind": "in", "amount": "0", "reason": "x"}, "shift_invalid"),
        ("SHIFT/cash-movements", {"kind": "in", "amount": "1e20", "reason": "x"}, "invalid"),
        ("SHIFT/cash-movements", {"kind": "in", "amount": "1"}, "invalid"),
        ("SHIFT/close", {"counted": {}}, "invalid"),
        ("SHIFT/close", {"counted": {"mobile_money": "1"}}, "cash_count_required"),
        ("SHIFT/close", {"counted": "all of it"}, "invalid"),
    ],
)
def test_bad_shift_requests_change_nothing(shop_a: Shop, path: str, data: dict[str, Any], code: str) -> None:
    shift = open_shift(shop_a)
    path = path.replace("SHIFT", f"/api/v1/shifts/{shift.pk}")
    if data.get("storefront_id") == "SF":
        data = {**data, "storefront_id": str(shop_a.storefront.pk)}
    before = (Shift.objects.count(), CashMovement.objects.count(), ShiftCount.objects.count())

    response = shop_a.owner.client.post(path, data, format="json")

    assert (response.status_code, response.json()["code"]) in {(400, code), (422, code)}, response.json()
    assert (Shift.objects.count(), CashMovement.objects.count(), ShiftCount.objects.count()) == before
    shift.refresh_from_db()
    assert shift.closed_at is None
