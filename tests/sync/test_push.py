"""Push: offline operations applied once, answered per op, conflicts recorded, never lost."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import Membership, MembershipHistory
from shared_apps.tenants.models import Tenant
from shared_apps.tenants.services import tenant_suspend
from sync.models import Batch, Conflict, Op, Terminal
from tenant_apps.sales.models import Sale, SaleEvent
from tenant_apps.shifts.models import Shift
from tests.conftest import Member, Shop
from tests.sync.conftest import PairedTerminal, level
from tests.sync.ops import batch, op, push, refund, results, sale, void

D = Decimal


def test_a_sale_is_applied_with_server_totals_and_moves_stock(shop_a: Shop, till: PairedTerminal) -> None:
    body = batch(
        sale(
            1,
            cashier=shop_a.cashier,
            lines=[(shop_a.products["rice"], "2")],
            pay="60.00",
            totals={"total": "50.00"},
        )
    )

    [result] = results(push(till.client, body))

    receipt_url = result.pop("receipt_url")
    assert result == {"op_id": body["ops"][0]["op_id"], "status": "applied", "id": body["ops"][0]["op_id"]}
    assert receipt_url.startswith("http://alpha.localhost/r/")
    with tenant_context(shop_a.tenant):
        recorded = Sale.objects.get(pk=body["ops"][0]["op_id"])
        assert (recorded.origin, recorded.terminal_id, recorded.receipt_number) == (
            "terminal",
            till.terminal.pk,
            "ACC-T1-000001",
        )
        assert (recorded.total, recorded.paid_total, recorded.change_total) == (
            D("50.00"),
            D("50.00"),
            D("10.00"),
        )
        assert recorded.tax_total > 0
        terminal = Terminal.objects.get(pk=till.terminal.pk)
        assert terminal.last_applied_seq == 1
        assert terminal.clock_offset_ms is not None
    assert level(shop_a, "rice") == D("98")


def test_the_same_batch_again_gets_the_same_answer_and_nothing_twice(
    shop_a: Shop, till: PairedTerminal
) -> None:
    body = batch(
        sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")]),
        sale(2, cashier=shop_a.cashier, lines=[(shop_a.products["water"], "3")]),
    )

    first = push(till.client, body)
    again = push(till.client, body, compress=False)

    assert first.json() == again.json()
    with tenant_context(shop_a.tenant):
        assert Sale.objects.count() == 2
        assert Batch.objects.count() == 1
    assert level(shop_a, "rice") == D("99")


def test_an_op_resent_in_another_batch_is_a_duplicate(shop_a: Shop, till: PairedTerminal) -> None:
    one = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")])
    results(push(till.client, batch(one)))

    [result] = results(push(till.client, batch(one)))

    assert result["status"] == "duplicate"
    assert result["original_status"] == "applied"
    assert result["id"] == one["op_id"]
    with tenant_context(shop_a.tenant):
        assert Sale.objects.count() == 1
    assert level(shop_a, "rice") == D("99")


def test_an_op_id_reused_for_different_content_is_refused_and_the_original_kept(
    shop_a: Shop, till: PairedTerminal
) -> None:
    one = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")])
    results(push(till.client, batch(one)))
    forged = {
        **one,
        "data": {**one["data"], "lines": [{"product_id": str(shop_a.products["rice"].pk), "quantity": "5"}]},
    }

    [result] = results(push(till.client, batch(forged)))

    assert (result["status"], result["code"]) == ("rejected", "op_id_reused")
    with tenant_context(shop_a.tenant):
        assert Sale.objects.get(pk=one["op_id"]).lines.get().quantity == D("1")
    assert level(shop_a, "rice") == D("99")


def test_a_batch_id_reused_for_different_content_is_422(shop_a: Shop, till: PairedTerminal) -> None:
    batch_id = uuid.uuid4()
    results(
        push(
            till.client,
            batch(sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")]), batch_id=batch_id),
        )
    )

    response = push(
        till.client,
        batch(sale(2, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")]), batch_id=batch_id),
    )

    assert response.status_code == 422
    assert response.json()["code"] == "batch_id_reused"
    with tenant_context(shop_a.tenant):
        assert Sale.objects.count() == 1


def test_one_bad_op_does_not_block_the_others(shop_a: Shop, till: PairedTerminal) -> None:
    ops = [
        sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")]),
        sale(2, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "-3")]),
        op("sale", 3, {"nonsense": True}),
        {
            "op_id": str(uuid.uuid4()),
            "kind": "teleport",
            "seq": 4,
            "occurred_at": "2026-01-01T00:00:00Z",
            "data": {},
        },
        sale(5, cashier=shop_a.cashier, lines=[(shop_a.products["water"], "2")]),
    ]

    answers = results(push(till.client, batch(*ops)))

    assert [a["status"] for a in answers] == ["applied", "rejected", "rejected", "rejected", "applied"]
    assert [a.get("code") for a in answers[1:4]] == ["sale_invalid", "data_invalid", "kind_unknown"]
    with tenant_context(shop_a.tenant):
        assert Sale.objects.count() == 2
    assert level(shop_a, "rice") == D("99")
    assert level(shop_a, "water") == D("98")


# --------------------------------------------------------------------------------------------
# Offline truths
# --------------------------------------------------------------------------------------------


def conflicts_of(result: dict) -> dict[str, dict]:
    return {c["kind"]: c for c in result.get("conflicts", [])}


def test_oversold_is_applied_with_a_conflict(shop_a: Shop, till: PairedTerminal) -> None:
    [result] = results(
        push(till.client, batch(sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "130")])))
    )

    assert result["status"] == "applied"
    assert conflicts_of(result)["oversold"]["level"] == "-30.000"
    assert level(shop_a, "rice") == D("-30")
    with tenant_context(shop_a.tenant):
        conflict = Conflict.objects.get(kind="oversold")
        assert (conflict.status, conflict.product_id, conflict.sale_id) == (
            "open",
            shop_a.products["rice"].pk,
            uuid.UUID(result["id"]),
        )


def test_only_the_sales_that_took_stock_below_zero_are_flagged(shop_a: Shop, till: PairedTerminal) -> None:
    answers = results(
        push(
            till.client,
            batch(
                sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "60")]),
                sale(2, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "30")]),
                sale(3, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "20")]),
                sale(4, cashier=shop_a.cashier, lines=[(shop_a.products["water"], "1")]),
            ),
        )
    )

    assert ["oversold" in conflicts_of(a) for a in answers] == [False, False, True, False]
    assert conflicts_of(answers[2])["oversold"]["level"] == "-10.000"


def test_a_price_changed_meanwhile_is_judged_at_the_time_of_the_sale(
    shop_a: Shop, till: PairedTerminal
) -> None:
    from pos_platform.kernel.actors import Actor
    from tenant_apps.catalog.services import price_set

    with tenant_context(shop_a.tenant):
        price_set(
            product_id=shop_a.products["rice"].pk,
            price=D("30.00"),
            effective_from=timezone.now() - dt.timedelta(hours=1),
            actor=Actor.system("tests"),
        )
    made = timezone.now() - dt.timedelta(hours=3)

    old, new = results(
        push(
            till.client,
            batch(
                sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")], at=made),
                sale(
                    2,
                    cashier=shop_a.cashier,
                    at=timezone.now() - dt.timedelta(minutes=5),
                    lines=[(shop_a.products["rice"], "1")],
                ),
            ),
        )
    )

    with tenant_context(shop_a.tenant):
        assert Sale.objects.get(pk=old["id"]).total == D("25.00")
        assert Sale.objects.get(pk=new["id"]).total == D("30.00")


def test_a_client_price_that_differs_is_a_price_mismatch(shop_a: Shop, till: PairedTerminal) -> None:
    one = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "2")])
    one["data"]["lines"][0]["unit_price"] = "20.00"

    [result] = results(push(till.client, batch(one)))

    conflict = conflicts_of(result)["price_mismatch"]
    assert (conflict["client_unit_price"], conflict["server_unit_price"]) == ("20.00", "25.00")
    with tenant_context(shop_a.tenant):
        assert Sale.objects.get(pk=result["id"]).total == D("50.00")  # the server's price wins


def test_client_totals_that_differ_are_a_total_mismatch(shop_a: Shop, till: PairedTerminal) -> None:
    [result] = results(
        push(
            till.client,
            batch(
                sale(
                    1,
                    cashier=shop_a.cashier,
                    lines=[(shop_a.products["rice"], "1")],
                    totals={"total": "24.00"},
                )
            ),
        )
    )

    assert conflicts_of(result)["total_mismatch"]["total"] == {"client": "24.00", "server": "25.00"}


def test_a_receipt_number_used_twice_is_a_clash_never_renumbered(shop_a: Shop, till: PairedTerminal) -> None:
    results(
        push(
            till.client,
            batch(
                sale(
                    1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")], receipt="ACC-T1-000001"
                )
            ),
        )
    )

    same_batch = results(
        push(
            till.client,
            batch(
                sale(
                    2, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")], receipt="ACC-T1-000001"
                ),
                sale(
                    3, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")], receipt="ACC-T1-000077"
                ),
                sale(
                    4, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")], receipt="ACC-T1-000077"
                ),
            ),
        )
    )

    assert ["receipt_clash" in conflicts_of(a) for a in same_batch] == [True, False, True]
    with tenant_context(shop_a.tenant):
        assert Sale.objects.filter(receipt_number="ACC-T1-000001").count() == 2
        assert Sale.objects.filter(receipt_number="ACC-T1-000077").count() == 2


@pytest.mark.parametrize(
    ("occurred", "reason"), [(dt.timedelta(days=2), "future"), (-dt.timedelta(days=400), "too_old")]
)
def test_a_time_in_the_future_or_absurdly_old_is_clamped_and_flagged(
    shop_a: Shop, till: PairedTerminal, occurred: dt.timedelta, reason: str
) -> None:
    one = sale(
        1, cashier=shop_a.cashier, lines=[(shop_a.products["water"], "1")], at=timezone.now() + occurred
    )

    [result] = results(push(till.client, batch(one)))

    assert result["status"] == "applied"
    skew = conflicts_of(result)["clock_skew"]
    assert skew["reason"] == reason
    with tenant_context(shop_a.tenant):
        recorded = Sale.objects.get(pk=result["id"])
        stored = Op.objects.get(op_id=one["op_id"])
        assert abs(recorded.occurred_at - recorded.received_at) < dt.timedelta(seconds=1)
        assert stored.occurred_at.isoformat() == one["occurred_at"]  # the device's time is kept


def test_a_clamped_void_held_for_a_later_sale_of_its_batch_keeps_its_clock_skew(
    shop_a: Shop, till: PairedTerminal, manager: Member
) -> None:
    the_sale = sale(2, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")])
    early = void(1, sale_op=the_sale, by=manager, at=timezone.now() + dt.timedelta(days=2))

    held, applied = results(push(till.client, batch(early, the_sale)))

    assert (held["status"], applied["status"]) == ("applied", "applied")
    assert conflicts_of(held)["clock_skew"]["reason"] == "future"
    with tenant_context(shop_a.tenant):
        assert Conflict.objects.get(op_id=early["op_id"]).kind == "clock_skew"


def test_a_terminal_clock_that_runs_behind_is_corrected_by_its_offset(
    shop_a: Shop, till: PairedTerminal
) -> None:
    late = dt.timedelta(hours=2)  # the device's clock shows two hours earlier than real time
    real = timezone.now() - dt.timedelta(minutes=30)
    one = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["water"], "1")], at=real - late)

    [result] = results(push(till.client, batch(one, terminal_time=timezone.now() - late)))

    assert "clock_skew" not in conflicts_of(result)
    with tenant_context(shop_a.tenant):
        assert abs(Sale.objects.get(pk=result["id"]).occurred_at - real) < dt.timedelta(seconds=5)
        assert abs(Terminal.objects.get(pk=till.terminal.pk).clock_offset_ms - 7_200_000) < 5_000


def test_cashiers_unknown_inactive_then_or_of_another_tenant_are_rejected(
    shop_a: Shop, till: PairedTerminal, tenant_b: Tenant, make_member: Callable[..., Member]
) -> None:
    stranger = make_member(tenant_b, "cashier")
    fired = make_member(shop_a.tenant, "cashier", since=timezone.now() - dt.timedelta(days=3))
    Membership.objects.filter(pk=fired.membership.pk).update(is_active=False)
    # Deactivated two hours ago (the trigger recorded it now; date it back).
    MembershipHistory.objects.filter(membership_id=fired.membership.pk, is_active=False).update(
        valid_from=timezone.now() - dt.timedelta(hours=2)
    )
    hired = make_member(shop_a.tenant, "cashier")
    rice = shop_a.products["rice"]
    nobody = type("Nobody", (), {"user": type("U", (), {"pk": uuid.uuid4()})()})()

    answers = results(
        push(
            till.client,
            batch(
                sale(1, cashier=nobody, lines=[(rice, "1")]),
                sale(2, cashier=stranger, lines=[(rice, "1")]),
                sale(3, cashier=fired, lines=[(rice, "1")], at=timezone.now() - dt.timedelta(minutes=1)),
                sale(4, cashier=fired, lines=[(rice, "1")], at=timezone.now() - dt.timedelta(days=1)),
                sale(5, cashier=hired, lines=[(rice, "1")], at=timezone.now() - dt.timedelta(days=1)),
            ),
        )
    )

    assert [a["status"] for a in answers] == ["rejected", "rejected", "rejected", "applied", "rejected"]
    assert {a.get("code") for a in answers if a["status"] == "rejected"} == {"cashier_not_allowed"}
    assert level(shop_a, "rice") == D("99")


def test_a_product_of_another_tenant_is_rejected(shop_a: Shop, shop_b: Shop, till: PairedTerminal) -> None:
    [result] = results(
        push(till.client, batch(sale(1, cashier=shop_a.cashier, lines=[(shop_b.products["rice"], "1")])))
    )

    assert (result["status"], result["code"]) == ("rejected", "product_not_found")
    with tenant_context(shop_a.tenant):
        assert not Sale.objects.exists()


def test_a_suspended_shop_takes_earlier_sales_and_holds_later_ones(
    shop_a: Shop, till: PairedTerminal
) -> None:
    before = sale(
        1,
        cashier=shop_a.cashier,
        lines=[(shop_a.products["rice"], "1")],
        at=timezone.now() - dt.timedelta(hours=2),
    )
    tenant_suspend(slug=shop_a.tenant.slug, actor="tests")
    after = sale(2, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")], at=timezone.now())

    answers = results(push(till.client, batch(before, after)))

    assert [a["status"] for a in answers] == ["applied", "pending"]
    assert answers[1]["code"] == "tenant_suspended"
    with tenant_context(shop_a.tenant):
        assert list(Sale.objects.values_list("pk", flat=True)) == [uuid.UUID(before["op_id"])]
    assert level(shop_a, "rice") == D("99")
    assert till.client.get("/api/v1/sync/status").json()["code"] == "tenant_suspended"


# --------------------------------------------------------------------------------------------
# Voids, refunds, shifts, stock
# --------------------------------------------------------------------------------------------


def test_void_and_refund_name_their_sale_by_op_id_in_the_same_batch(
    shop_a: Shop, till: PairedTerminal, manager: Member
) -> None:
    first = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "2")])
    second = sale(2, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "3")])
    voided = void(3, sale_op=first, by=manager, reason="wrong item")
    refunded = refund(4, sale_op=second, by=manager, lines=[(0, "1")], reason="torn bag")

    answers = results(push(till.client, batch(first, second, voided, refunded)))

    assert [a["status"] for a in answers] == ["applied"] * 4
    assert level(shop_a, "rice") == D("100") - 3 + 1
    with tenant_context(shop_a.tenant):
        assert set(
            SaleEvent.objects.filter(kind__in=["voided", "refunded"]).values_list("id", flat=True)
        ) == {uuid.UUID(voided["op_id"]), uuid.UUID(refunded["op_id"])}


def test_a_refund_that_arrives_before_its_sale_waits_and_is_applied_when_it_comes(
    shop_a: Shop, till: PairedTerminal, manager: Member
) -> None:
    the_sale = sale(7, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "2")])
    early = refund(8, sale_op=the_sale, by=manager, lines=[(0, "2")], reason="changed mind")

    [held] = results(push(till.client, batch(early)))
    assert (held["status"], held["code"]) == ("pending", "sale_not_arrived")
    with tenant_context(shop_a.tenant):
        assert Op.objects.get(op_id=early["op_id"]).payload == early  # kept to apply it later
        assert not SaleEvent.objects.exists()
    assert till.client.get("/api/v1/sync/status").json()["pending_ops"] == 1

    results(push(till.client, batch(the_sale)))

    with tenant_context(shop_a.tenant):
        assert Op.objects.get(op_id=early["op_id"]).status == "applied"
        assert Op.objects.get(op_id=the_sale["op_id"]).payload is None  # its data is the sale
        assert SaleEvent.objects.filter(pk=early["op_id"], kind="refunded").exists()
    assert level(shop_a, "rice") == D("100")
    assert till.client.get("/api/v1/sync/status").json()["pending_ops"] == 0


def test_a_refund_of_a_rejected_sale_is_rejected(shop_a: Shop, till: PairedTerminal, manager: Member) -> None:
    bad = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "0")])
    refunded = refund(2, sale_op=bad, by=manager, lines=[(0, "1")])

    answers = results(push(till.client, batch(refunded, bad)))

    assert [a["status"] for a in answers] == ["rejected", "rejected"]
    assert answers[0]["code"] == "sale_rejected"
    with tenant_context(shop_a.tenant):
        assert not Sale.objects.exists()
        assert not SaleEvent.objects.exists()
        assert set(Op.objects.values_list("status", flat=True)) == {"rejected"}
    assert level(shop_a, "rice") == D("100")


def test_a_cashier_cannot_void_offline(shop_a: Shop, till: PairedTerminal) -> None:
    first = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "2")])

    answers = results(
        push(till.client, batch(first, void(2, sale_op=first, by=shop_a.cashier, reason="oops")))
    )

    assert [(a["status"], a.get("code")) for a in answers] == [
        ("applied", None),
        ("rejected", "cashier_not_allowed"),
    ]
    with tenant_context(shop_a.tenant):
        assert list(SaleEvent.objects.values_list("kind", flat=True)) == ["created"]
    assert level(shop_a, "rice") == D("98")


def test_a_shift_opened_sold_in_and_closed_offline(shop_a: Shop, till: PairedTerminal) -> None:
    shift_id = str(uuid.uuid4())
    cashier = str(shop_a.cashier.user.pk)
    start = timezone.now() - dt.timedelta(hours=3)
    ops = [
        op(
            "shift_open", 1, {"cashier_id": cashier, "shift_id": shift_id, "opening_float": "50.00"}, at=start
        ),
        sale(
            2,
            cashier=shop_a.cashier,
            lines=[(shop_a.products["rice"], "1")],
            pay="30.00",
            shift_id=shift_id,
            at=start + dt.timedelta(minutes=5),
        ),
        op(
            "cash_movement",
            3,
            {
                "cashier_id": cashier,
                "shift_id": shift_id,
                "direction": "out",
                "amount": "10.00",
                "reason": "change for the market",
            },
            at=start + dt.timedelta(minutes=6),
        ),
        op(
            "shift_close",
            4,
            {"cashier_id": cashier, "shift_id": shift_id, "counted": {"cash": "65.00"}},
            at=start + dt.timedelta(hours=1),
        ),
    ]

    answers = results(push(till.client, batch(*ops)))

    assert [a["status"] for a in answers] == ["applied"] * 4
    with tenant_context(shop_a.tenant):
        shift = Shift.objects.get(pk=shift_id)
        assert shift.closed_at is not None
        assert Sale.objects.get(pk=answers[1]["id"]).shift_id == uuid.UUID(shift_id)
        cash = shift.counts.get(method_code="cash")
        assert (cash.expected, cash.counted, cash.difference) == (D("65.00"), D("65.00"), D("0.00"))


def test_a_sale_naming_an_unknown_shift_is_kept_and_flagged(shop_a: Shop, till: PairedTerminal) -> None:
    [result] = results(
        push(
            till.client,
            batch(
                sale(
                    1,
                    cashier=shop_a.cashier,
                    lines=[(shop_a.products["rice"], "1")],
                    shift_id=str(uuid.uuid4()),
                )
            ),
        )
    )

    assert result["status"] == "applied"
    assert "shift_missing" in conflicts_of(result)


def test_stock_receipts_and_counts_from_a_terminal(
    shop_a: Shop, till: PairedTerminal, manager: Member
) -> None:
    water = str(shop_a.products["water"].pk)
    answers = results(
        push(
            till.client,
            batch(
                op(
                    "stock_receive",
                    1,
                    {"cashier_id": str(manager.user.pk), "lines": [{"product_id": water, "quantity": "24"}]},
                ),
                op(
                    "stock_count",
                    2,
                    {"cashier_id": str(manager.user.pk), "lines": [{"product_id": water, "quantity": "120"}]},
                    at=timezone.now() - dt.timedelta(minutes=1),
                ),
                op(
                    "stock_count",
                    3,
                    {
                        "cashier_id": str(shop_a.cashier.user.pk),
                        "lines": [{"product_id": water, "quantity": "1"}],
                    },
                ),
            ),
        )
    )

    assert [a["status"] for a in answers] == ["applied", "applied", "rejected"]
    assert level(shop_a, "water") == D("120")


# --------------------------------------------------------------------------------------------
# The engine
# --------------------------------------------------------------------------------------------


def test_every_kind_the_envelope_accepts_has_a_handler_and_a_permission() -> None:
    from sync.engine import HANDLERS
    from sync.envelope import OP_ACTIONS, OP_KINDS

    assert set(OP_KINDS) == set(HANDLERS) == set(OP_ACTIONS)
    assert all(isinstance(action, str) and "." in action for action in OP_ACTIONS.values())


def test_conflicts_show_in_status_and_on_the_terminal_list(shop_a: Shop, till: PairedTerminal) -> None:
    results(
        push(
            till.client,
            batch(sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "101")], pay="5000.00")),
        )
    )

    status = till.client.get("/api/v1/sync/status").json()
    listed = shop_a.owner.client.get("/api/v1/sync/terminals").json()

    assert status["open_conflicts"] == 1
    assert status["open_conflicts_by_kind"] == {"oversold": 1}
    assert status["last_applied_seq"] == 1
    assert listed[0]["open_conflicts"] == 1


def test_a_batch_costs_the_same_statements_whatever_its_number_of_sales(
    shop_a: Shop, till: PairedTerminal
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def statements(n: int, start: int) -> int:
        ops = [
            sale(
                start + i,
                cashier=shop_a.cashier,
                lines=[(shop_a.products["rice"], "1"), (shop_a.products["water"], "2")],
            )
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as queries:
            results(push(till.client, batch(*ops)))
        return len(queries)

    till.client.get("/api/v1/sync/status")  # warm the route cache and the connection
    assert statements(3, 1) == statements(40, 100)


def test_a_run_the_database_refuses_is_applied_op_by_op(
    shop_a: Shop, till: PairedTerminal, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import DatabaseError

    from tenant_apps.sales.services import write as sales_write_module

    def broken(model: object, rows: object, **kwargs: object) -> None:
        raise DatabaseError("simulated failure of the set-based write")

    monkeypatch.setattr(sales_write_module, "copy_rows", broken)

    answers = results(
        push(
            till.client,
            batch(
                sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")]),
                sale(2, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "101")]),
            ),
        )
    )

    assert [a["status"] for a in answers] == ["applied", "applied"]
    assert "oversold" in conflicts_of(answers[1])
    assert level(shop_a, "rice") == D("-2")
    with tenant_context(shop_a.tenant):
        assert Sale.objects.count() == 2


@pytest.mark.parametrize("path", ["set-based", "one by one"])
def test_both_paths_answer_and_keep_the_same_conflicts(
    shop_a: Shop, till: PairedTerminal, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    from django.db import DatabaseError

    from tenant_apps.sales.services import write as sales_write_module

    if path == "one by one":

        def broken(model: object, rows: object, **kwargs: object) -> None:
            raise DatabaseError("simulated failure of the set-based write")

        monkeypatch.setattr(sales_write_module, "copy_rows", broken)
    rice = shop_a.products["rice"]
    first = sale(1, cashier=shop_a.cashier, lines=[(rice, "1")], receipt="ACC-T1-000009")
    clash = sale(
        2,
        cashier=shop_a.cashier,
        lines=[(rice, "101")],
        pay="5000.00",
        receipt="ACC-T1-000009",
        shift_id=str(uuid.uuid4()),
    )
    clash["data"]["lines"][0]["unit_price"] = "20.00"

    answers = results(push(till.client, batch(first, clash)))

    sale_id, product, storefront = clash["op_id"], str(rice.pk), str(shop_a.storefront.pk)
    assert answers[1]["conflicts"] == [
        {"kind": "shift_missing", "shift_id": clash["data"]["shift_id"]},
        {
            "kind": "price_mismatch",
            "sale_id": sale_id,
            "storefront_id": storefront,
            "line": 0,
            "product_id": product,
            "client_unit_price": "20.00",
            "server_unit_price": "25.00",
        },
        {
            "kind": "receipt_clash",
            "sale_id": sale_id,
            "storefront_id": storefront,
            "receipt_number": "ACC-T1-000009",
        },
        {
            "kind": "oversold",
            "sale_id": sale_id,
            "storefront_id": storefront,
            "product_id": product,
            "level": "-2.000",
        },
    ]
    with tenant_context(shop_a.tenant):
        # On the sale, as sale_record keeps them (docs/pos.md): the POS core's conflicts only.
        assert Sale.objects.get(pk=sale_id).conflicts == [
            {
                "code": "price_mismatch",
                "details": {
                    "line": 0,
                    "product_id": product,
                    "client_unit_price": "20.00",
                    "server_unit_price": "25.00",
                },
            },
            {"code": "receipt_clash", "details": {"receipt_number": "ACC-T1-000009"}},
            {
                "code": "oversold",
                "details": {"product_id": product, "storefront_id": storefront, "level": "-2.000"},
            },
        ]
