"""The stock ledger: receive, adjust, count, transfer; levels = sum of movements; API."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.utils import timezone

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.models import AuditEvent
from pos_platform.kernel.errors import ApplicationError
from tenant_apps.inventory.models import StockCountLine, StockMovement, StockOperation
from tenant_apps.inventory.services import StockLine, stock_adjust, stock_count, stock_receive, stock_transfer
from tests.conftest import Shop, api_client
from tests.sales.helpers import D, level, sell, use
from tests.sales.helpers import counts as sales_counts

ACTOR = Actor.system("test")


def counts() -> dict[str, object]:
    """Sales and stock rows, stock documents and audit events: a refused write changes none."""
    return {
        **sales_counts(),
        "operations": StockOperation.objects.count(),
        "count_lines": StockCountLine.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def lines(shop: Shop, **quantities: object) -> list[StockLine]:
    return [StockLine(shop.products[k].pk, D(q)) for k, q in quantities.items()]


def test_receive_adjust_transfer_move_levels_through_movements(shop_a: Shop) -> None:
    stock_receive(storefront_id=shop_a.storefront.pk, lines=lines(shop_a, rice=10, water="2.5"), actor=ACTOR)
    stock_adjust(
        storefront_id=shop_a.storefront.pk, lines=lines(shop_a, rice=-3), reason="damaged", actor=ACTOR
    )
    op = stock_transfer(
        from_storefront_id=shop_a.storefront.pk,
        to_storefront_id=shop_a.other_storefront.pk,
        lines=lines(shop_a, rice=7),
        actor=ACTOR,
    )

    assert (level(shop_a, "rice"), level(shop_a, "water")) == (D(100), D("102.5"))
    assert level(shop_a, "rice", shop_a.other_storefront) == D(7)
    assert sorted(StockMovement.objects.filter(operation=op).values_list("kind", "quantity")) == [
        ("transfer_in", D(7)),
        ("transfer_out", D(-7)),
    ]
    assert AuditEvent.objects.filter(action__startswith="stock.").count() == 4  # with the fixture's receipt


def test_movements_carry_the_documents_time_reason_actor_and_id(shop_a: Shop) -> None:
    actor = Actor.of_user(shop_a.owner.user, ip="10.0.0.9")
    at = timezone.now() - dt.timedelta(hours=2)

    op = stock_adjust(
        storefront_id=shop_a.storefront.pk,
        lines=lines(shop_a, rice=-2, soap=3),
        reason="damaged",
        actor=actor,
        occurred_at=at,
        note="  shelf fell  ",
    )

    moved = StockMovement.objects.filter(operation=op)
    assert sorted(moved.values_list("product_id", "storefront_id", "kind", "quantity")) == sorted(
        [
            (shop_a.products["rice"].pk, shop_a.storefront.pk, "adjust", D(-2)),
            (shop_a.products["soap"].pk, shop_a.storefront.pk, "adjust", D(3)),
        ]
    )
    assert set(moved.values_list("occurred_at", "reason", "actor_id")) == {(at, "damaged", actor.user_id)}
    assert (op.note, op.reason, op.actor_id) == ("shelf fell", "damaged", actor.user_id)
    event = AuditEvent.objects.get(object_id=str(op.pk))
    assert (event.action, event.actor_id, event.ip) == ("stock.adjust", actor.user_id, "10.0.0.9")
    assert event.details["lines"] == [
        {"product_id": str(shop_a.products["rice"].pk), "quantity": "-2"},
        {"product_id": str(shop_a.products["soap"].pk), "quantity": "3"},
    ]


def test_a_count_records_the_discrepancy_and_books_the_difference(shop_a: Shop) -> None:
    sell(shop_a, ("rice", 4))

    op = stock_count(storefront_id=shop_a.storefront.pk, lines=lines(shop_a, rice=90, water=100), actor=ACTOR)

    found = {
        c.product_id: (c.expected, c.counted, c.difference)
        for c in StockCountLine.objects.filter(operation=op)
    }
    assert found == {
        shop_a.products["rice"].pk: (D(96), D(90), D(-6)),
        shop_a.products["water"].pk: (D(100), D(100), D(0)),
    }
    assert level(shop_a, "rice") == D(90)
    assert StockMovement.objects.filter(operation=op).count() == 1  # no movement for no difference


def test_an_offline_count_is_judged_against_the_level_at_its_time(shop_a: Shop) -> None:
    counted_at = timezone.now() - dt.timedelta(minutes=30)
    sell(shop_a, ("rice", 5))  # after the count, uploaded first

    stock_count(
        storefront_id=shop_a.storefront.pk, lines=lines(shop_a, rice=98), actor=ACTOR, occurred_at=counted_at
    )

    # The shelf held 98 at the count (2 missing then); the later sale of 5 still applies.
    assert level(shop_a, "rice") == D(93)


def test_adjustments_and_transfers_cannot_take_stock_below_zero_unless_allowed(shop_a: Shop) -> None:
    before = counts()
    with pytest.raises(ApplicationError) as error:
        stock_adjust(
            storefront_id=shop_a.storefront.pk, lines=lines(shop_a, rice=-101), reason="lost", actor=ACTOR
        )
    assert error.value.code == "insufficient_stock"
    with pytest.raises(ApplicationError) as error:
        stock_transfer(
            from_storefront_id=shop_a.storefront.pk,
            to_storefront_id=shop_a.other_storefront.pk,
            lines=lines(shop_a, soap=101),
            actor=ACTOR,
        )
    assert error.value.code == "insufficient_stock"
    assert counts() == before


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda s: stock_receive(storefront_id=s.storefront.pk, lines=[], actor=ACTOR), "stock_invalid"),
        (
            lambda s: stock_receive(storefront_id=s.storefront.pk, lines=lines(s, rice=0), actor=ACTOR),
            "stock_invalid",
        ),
        (
            lambda s: stock_receive(storefront_id=s.storefront.pk, lines=lines(s, rice=-1), actor=ACTOR),
            "stock_invalid",
        ),
        (
            lambda s: stock_receive(
                storefront_id=s.storefront.pk, lines=lines(s, rice="0.0001"), actor=ACTOR
            ),
            "stock_invalid",
        ),
        (
            lambda s: stock_receive(storefront_id=s.storefront.pk, lines=lines(s, rice=10**7), actor=ACTOR),
            "stock_invalid",
        ),
        (
            lambda s: stock_receive(storefront_id=s.storefront.pk, lines=lines(s, airtime=1), actor=ACTOR),
            "product_not_stocked",
        ),
        (
            lambda s: stock_receive(storefront_id=uuid.uuid4(), lines=lines(s, rice=1), actor=ACTOR),
            "storefront_not_found",
        ),
        (
            lambda s: stock_adjust(
                storefront_id=s.storefront.pk, lines=lines(s, rice=1), reason="whim", actor=ACTOR
            ),
            "adjust_reason_invalid",
        ),
        (
            lambda s: stock_transfer(
                from_storefront_id=s.storefront.pk,
                to_storefront_id=s.storefront.pk,
                lines=lines(s, rice=1),
                actor=ACTOR,
            ),
            "transfer_same_storefront",
        ),
        (
            lambda s: stock_count(storefront_id=s.storefront.pk, lines=lines(s, rice=-1), actor=ACTOR),
            "stock_invalid",
        ),
        (
            lambda s: stock_receive(
                storefront_id=s.storefront.pk,
                lines=lines(s, rice=1),
                actor=ACTOR,
                occurred_at=timezone.now() + dt.timedelta(days=1),
            ),
            "occurred_at_invalid",
        ),
    ],
)
def test_bad_stock_operations_are_refused_and_write_nothing(shop_a: Shop, call: Any, code: str) -> None:
    before = counts()

    with pytest.raises(ApplicationError) as error:
        call(shop_a)

    assert error.value.code == code
    assert counts() == before


def test_a_client_operation_id_is_kept_and_cannot_be_reused(shop_a: Shop) -> None:
    op_id = uuid.uuid4()
    stock_receive(
        storefront_id=shop_a.storefront.pk, lines=lines(shop_a, rice=1), actor=ACTOR, operation_id=op_id
    )
    before = counts()

    with pytest.raises(ApplicationError) as error:
        stock_receive(
            storefront_id=shop_a.storefront.pk, lines=lines(shop_a, rice=1), actor=ACTOR, operation_id=op_id
        )

    assert error.value.code == "operation_exists"
    assert counts() == before


# --------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------

ENDPOINTS = {
    "receipts": lambda s: {
        "storefront_id": str(s.storefront.pk),
        "lines": [{"product_id": str(s.products["rice"].pk), "quantity": "5"}],
        "note": "Invoice 1182",
    },
    "adjustments": lambda s: {
        "storefront_id": str(s.storefront.pk),
        "reason": "damaged",
        "lines": [{"product_id": str(s.products["rice"].pk), "quantity": "-1"}],
    },
    "counts": lambda s: {
        "storefront_id": str(s.storefront.pk),
        "lines": [{"product_id": str(s.products["rice"].pk), "quantity": "99"}],
    },
    "transfers": lambda s: {
        "from_storefront_id": str(s.storefront.pk),
        "to_storefront_id": str(s.other_storefront.pk),
        "lines": [{"product_id": str(s.products["rice"].pk), "quantity": "3"}],
    },
}


KINDS = {"receipts": "receive", "adjustments": "adjust", "counts": "count", "transfers": "transfer"}
BOOKED = {
    "receipts": lambda s: [(str(s.storefront.pk), "receive", "5.000")],
    "adjustments": lambda s: [(str(s.storefront.pk), "adjust", "-1.000")],
    "counts": lambda s: [(str(s.storefront.pk), "count", "-1.000")],
    "transfers": lambda s: sorted(
        [
            (str(s.storefront.pk), "transfer_out", "-3.000"),
            (str(s.other_storefront.pk), "transfer_in", "3.000"),
        ]
    ),
}


@pytest.mark.parametrize("kind", list(ENDPOINTS))
def test_stock_endpoints_work_for_a_manager_and_refuse_a_cashier(
    shop_a: Shop, make_member, kind: str
) -> None:
    manager = make_member(shop_a.tenant, "manager", storefront_id=shop_a.storefront.pk)
    data = ENDPOINTS[kind](shop_a)
    before = counts()

    refused = shop_a.cashier.client.post(f"/api/v1/stock/{kind}", data, format="json")
    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert counts() == before
    done = manager.client.post(f"/api/v1/stock/{kind}", data, format="json", HTTP_IDEMPOTENCY_KEY=kind)
    after = counts()
    again = manager.client.post(f"/api/v1/stock/{kind}", data, format="json", HTTP_IDEMPOTENCY_KEY=kind)

    assert done.status_code == 201, done.json()
    assert (again.json(), again.headers["Idempotent-Replayed"]) == (done.json(), "true")
    assert counts() == after
    assert StockOperation.objects.filter(pk=done.json()["id"]).exists()
    body = done.json()
    assert (body["kind"], body["note"]) == (KINDS[kind], data.get("note", ""))
    assert sorted((m["storefront_id"], m["kind"], m["quantity"]) for m in body["movements"]) == BOOKED[kind](
        shop_a
    )
    if kind == "counts":
        assert [(c["expected"], c["counted"], c["difference"]) for c in body["count_lines"]] == [
            ("100.000", "99.000", "-1.000")
        ]
    else:
        assert body["count_lines"] == []


def test_a_member_of_one_storefront_cannot_book_stock_at_another(shop_a: Shop, make_member) -> None:
    there = make_member(shop_a.tenant, "manager", storefront_id=shop_a.other_storefront.pk)
    before = counts()

    for kind, data in ENDPOINTS.items():
        response = there.client.post(f"/api/v1/stock/{kind}", data(shop_a), format="json")
        assert (response.status_code, response.json()["code"]) == (403, "storefront_forbidden"), kind
    assert counts() == before


@pytest.mark.parametrize(
    ("kind", "change", "status", "code"),
    [
        ("receipts", {"lines": "x"}, 400, "invalid"),
        ("receipts", {"lines": []}, 400, "invalid"),
        ("receipts", {"lines": [{"product_id": "P", "quantity": "-2"}]}, 400, "invalid"),
        ("receipts", {"lines": [{"product_id": "P", "quantity": "1e12"}]}, 400, "invalid"),
        (
            "receipts",
            {"lines": [{"product_id": str(uuid.uuid4()), "quantity": "1"}]},
            400,
            "product_not_stocked",
        ),
        ("receipts", {"storefront_id": str(uuid.uuid4())}, 400, "storefront_not_found"),
        ("adjustments", {"reason": "whim"}, 400, "invalid"),
        ("adjustments", {"lines": [{"product_id": "P", "quantity": "-500"}]}, 409, "insufficient_stock"),
        ("counts", {"lines": [{"product_id": "P", "quantity": "-1"}]}, 400, "invalid"),
        ("transfers", {"to_storefront_id": "nope"}, 400, "invalid"),
        ("transfers", {"to_storefront_id": str(uuid.uuid4())}, 400, "storefront_not_found"),
        ("transfers", {"to_storefront_id": "SAME"}, 400, "transfer_same_storefront"),
    ],
)
def test_bad_stock_requests_get_a_stable_code(
    shop_a: Shop, kind: str, change: dict[str, Any], status: int, code: str
) -> None:
    data = {**ENDPOINTS[kind](shop_a), **change}
    if data.get("to_storefront_id") == "SAME":
        data["to_storefront_id"] = data["from_storefront_id"]
    for line in data["lines"] if isinstance(data["lines"], list) else []:
        if line["product_id"] == "P":
            line["product_id"] = str(shop_a.products["rice"].pk)
    before = counts()

    response = shop_a.owner.client.post(f"/api/v1/stock/{kind}", data, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert counts() == before


def test_levels_movements_and_low_stock_lists_respect_scope(shop_a: Shop, make_member) -> None:
    stock_receive(storefront_id=shop_a.other_storefront.pk, lines=lines(shop_a, rice=2), actor=ACTOR)
    there = make_member(shop_a.tenant, "manager", storefront_id=shop_a.other_storefront.pk)

    levels = there.client.get("/api/v1/stock/levels").json()["results"]
    movements = there.client.get("/api/v1/stock/movements").json()["results"]
    low = there.client.get("/api/v1/reports/low-stock").json()
    foreign = there.client.get(f"/api/v1/reports/low-stock?storefront_id={shop_a.storefront.pk}")

    assert [(x["sku"], x["quantity"]) for x in levels] == [("RICE", "2.000")]
    assert [x["kind"] for x in movements] == ["receive"]
    assert [x["sku"] for x in low] == ["RICE"]  # 2 <= reorder level 5
    assert (foreign.status_code, foreign.json()["code"]) == (403, "storefront_forbidden")


def test_stock_isolation(shop_a: Shop, shop_b: Shop) -> None:
    data = ENDPOINTS["receipts"](shop_a)
    use(shop_a)
    before = counts()

    at_b = shop_b.owner.client.post("/api/v1/stock/receipts", data, format="json")
    foreign = api_client("beta")
    foreign.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_a.owner.token}")

    assert (at_b.status_code, at_b.json()["code"]) == (400, "storefront_not_found")
    assert foreign.get("/api/v1/stock/levels").status_code == 401
    assert foreign.post("/api/v1/stock/receipts", data, format="json").status_code == 401
    use(shop_a)
    assert counts() == before
