"""Push at its edges: bad text and over-long strings in any op, byte-identical replies, a retry
with a refreshed clock, and offline sales that meet a suspended shop or a revoked terminal."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from shared_apps.tenants.services import tenant_suspend
from sync import terminals
from sync.models import Batch, Op
from tenant_apps.sales.models import Sale, SaleEvent
from tests.conftest import Member, Shop
from tests.sync.conftest import PairedTerminal, level, pair_terminal
from tests.sync.ops import batch, op, push, refund, results, sale, void

D = Decimal
PUSH = "/api/v1/sync/push"


def post(client: Any, body: bytes) -> Any:
    return client.generic("POST", PUSH, body, content_type="application/json")


def one_of_each(shop: Shop, manager: Member) -> dict[str, dict[str, Any]]:
    """A well-formed op of every kind (seq 0: the caller numbers them)."""
    cashier, boss = str(shop.cashier.user.pk), str(manager.user.pk)
    rice = str(shop.products["rice"].pk)
    sold = sale(0, cashier=shop.cashier, lines=[(shop.products["rice"], "1")])
    sold["data"].update(
        note="thanks",
        discount="0",
        shift_id=str(uuid.uuid4()),
        totals={"total": "12.50"},
        customer={"phone": "+233241234567"},
    )
    sold["data"]["payments"][0].update(reference="")
    shift_id = str(uuid.uuid4())
    stock = {"cashier_id": boss, "lines": [{"product_id": rice, "quantity": "2"}], "note": "van"}
    return {
        "sale": sold,
        "void": void(0, sale_op=sold, by=manager, reason="wrong item"),
        "refund": refund(0, sale_op=sold, by=manager, lines=[(0, "1")], reason="torn"),
        "stock_receive": op("stock_receive", 0, stock),
        "stock_count": op("stock_count", 0, stock),
        "shift_open": op(
            "shift_open", 0, {"cashier_id": cashier, "shift_id": shift_id, "opening_float": "5"}
        ),
        "cash_movement": op(
            "cash_movement",
            0,
            {
                "cashier_id": cashier,
                "shift_id": shift_id,
                "direction": "in",
                "amount": "1",
                "reason": "float",
            },
        ),
        "shift_close": op(
            "shift_close",
            0,
            {"cashier_id": cashier, "shift_id": shift_id, "counted": {"cash": "6"}, "note": "ok"},
        ),
    }


# Every string field of every kind (a path into the op; "*key" names a key of that object).
STRING_FIELDS = {
    "sale": [
        ("kind",),
        ("occurred_at",),
        ("data", "receipt_number"),
        ("data", "cashier_id"),
        ("data", "shift_id"),
        ("data", "discount"),
        ("data", "note"),
        ("data", "lines", 0, "product_id"),
        ("data", "lines", 0, "quantity"),
        ("data", "payments", 0, "method"),
        ("data", "payments", 0, "amount"),
        ("data", "payments", 0, "reference"),
        ("data", "totals", "total"),
        ("data", "customer", "phone"),
        ("data", "*note"),
    ],
    "void": [("data", "sale_op_id"), ("data", "cashier_id"), ("data", "reason")],
    "refund": [("data", "reason"), ("data", "lines", 0, "quantity"), ("data", "sale_op_id")],
    "stock_receive": [("data", "note"), ("data", "lines", 0, "product_id"), ("data", "lines", 0, "quantity")],
    "stock_count": [("data", "note"), ("data", "cashier_id")],
    "shift_open": [("data", "shift_id"), ("data", "opening_float")],
    "cash_movement": [("data", "direction"), ("data", "amount"), ("data", "reason")],
    "shift_close": [("data", "note"), ("data", "counted", "cash"), ("data", "counted", "*cash")],
}
CASES = [(kind, path) for kind, paths in STRING_FIELDS.items() for path in paths]
# NUL (PostgreSQL cannot store it), another control character, a lone surrogate.
BAD = {"nul": "\x00", "control": "\x1b", "surrogate": "\ud800"}


def spoil(an_op: dict[str, Any], path: tuple[Any, ...], bad: str) -> dict[str, Any]:
    spoilt = copy.deepcopy(an_op)
    spoilt["op_id"] = str(uuid.uuid4())
    *parents, last = path
    target = spoilt
    for key in parents:
        target = target[key]
    if isinstance(last, str) and last.startswith("*"):
        target[f"{last[1:]}{bad}"] = target.pop(last[1:])
    else:
        target[last] = f"{target[last]}{bad}"
    return spoilt


def field_name(path: tuple[Any, ...]) -> str:
    name = ""
    for key in path:
        if isinstance(key, int):
            name += f"[{key}]"
        else:
            name += ("." if name else "") + key.lstrip("*")
    return name


@pytest.mark.parametrize(("kind", "path"), CASES, ids=[f"{k}:{field_name(p)}" for k, p in CASES])
def test_bad_text_in_any_string_rejects_that_op_only_and_the_same_bytes_get_the_same_answer(
    shop_a: Shop, till: PairedTerminal, manager: Member, kind: str, path: tuple[Any, ...]
) -> None:
    template = one_of_each(shop_a, manager)[kind]
    spoilt = {name: spoil(template, path, bad) for name, bad in BAD.items()}
    first = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")])
    last = sale(9, cashier=shop_a.cashier, lines=[(shop_a.products["water"], "1")])
    for seq, bad_op in enumerate(spoilt.values(), start=2):
        bad_op["seq"] = seq
    body = json.dumps(batch(first, *spoilt.values(), last)).encode()

    answer = post(till.client, body)

    assert answer.status_code == 200, answer.content[:300]
    by_id = {r["op_id"]: r for r in answer.json()["results"]}
    assert by_id[first["op_id"]]["status"] == by_id[last["op_id"]]["status"] == "applied"
    for name, bad_op in spoilt.items():
        result = by_id[bad_op["op_id"]]
        assert (result["status"], result["code"]) == ("rejected", "text_invalid"), (name, result)
        assert result["details"]["field"].replace("\ufffd", "") == field_name(path), (name, result)
    with tenant_context(shop_a.tenant):
        assert set(Sale.objects.values_list("pk", flat=True)) == {
            uuid.UUID(first["op_id"]),
            uuid.UUID(last["op_id"]),
        }
        assert not Op.objects.filter(op_id__in=[o["op_id"] for o in spoilt.values()]).exists()
    assert level(shop_a, "rice") == D("99")

    # The same bytes again: the same answer, byte for byte; the ops alone in a new batch: the same
    # rejection (a rejected op is not stored, so it is judged again, the same way).
    assert post(till.client, body).content == answer.content
    again = results(push(till.client, batch(*spoilt.values())))
    assert {(r["status"], r["code"]) for r in again} == {("rejected", "text_invalid")}


def test_a_nul_in_a_key_name_is_named_without_the_nul(shop_a: Shop, till: PairedTerminal) -> None:
    bad = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")])
    bad["data"]["no\x00te"] = "x"

    [result] = results(push(till.client, batch(bad)))

    assert (result["status"], result["code"]) == ("rejected", "text_invalid")
    assert result["details"] == {"field": "data.no\ufffdte"}


def test_numbers_python_takes_but_json_refuses_still_refuse_the_batch(till: PairedTerminal) -> None:
    """The lenient reading that lets a lone surrogate reject one op does not let NaN or a huge
    integer through."""
    for extra in ('"seq": NaN', '"seq": 123456789012345678901234567890'):
        an_op = f'{{"op_id": "{uuid.uuid4()}", "kind": "sale", {extra}, "data": {{"note": "\\ud800"}}}}'
        body = f'{{"batch_id": "{uuid.uuid4()}", "ops": [{an_op}]}}'.encode()
        response = post(till.client, body)
        assert (response.status_code, response.json()["code"]) == (400, "json_invalid"), extra


# Field limits: the online API's (docs/pos.md), applied to the same fields of every op kind.
LIMITS = [
    ("sale", ("data", "note"), 500),
    ("sale", ("data", "payments", 0, "method"), 32),
    ("sale", ("data", "payments", 0, "reference"), 80),
    ("void", ("data", "reason"), 500),
    ("refund", ("data", "reason"), 500),
    ("stock_receive", ("data", "note"), 500),
    ("stock_count", ("data", "note"), 500),
    ("cash_movement", ("data", "reason"), 500),
    ("shift_close", ("data", "note"), 500),
]


@pytest.mark.parametrize(
    ("kind", "path", "limit"), LIMITS, ids=[f"{k}:{field_name(p)}" for k, p, _ in LIMITS]
)
def test_a_string_over_the_online_limit_rejects_that_op_only(
    shop_a: Shop, till: PairedTerminal, manager: Member, kind: str, path: tuple[Any, ...], limit: int
) -> None:
    long = copy.deepcopy(one_of_each(shop_a, manager)[kind])
    *parents, last = path
    target = long
    for key in parents:
        target = target[key]
    target[last] = "x" * (limit + 1)
    long["seq"] = 2
    good = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")])

    answers = results(push(till.client, batch(good, long)))

    assert answers[0]["status"] == "applied"
    assert (answers[1]["status"], answers[1]["code"]) == ("rejected", "data_invalid")
    assert last in json.dumps(answers[1]["details"])
    with tenant_context(shop_a.tenant):
        assert list(Sale.objects.values_list("pk", flat=True)) == [uuid.UUID(good["op_id"])]


def test_a_note_at_the_limit_is_kept_whole(shop_a: Shop, till: PairedTerminal) -> None:
    noted = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")], note="n" * 500)

    [result] = results(push(till.client, batch(noted)))

    assert result["status"] == "applied"
    with tenant_context(shop_a.tenant):
        assert Sale.objects.get(pk=noted["op_id"]).note == "n" * 500


# --------------------------------------------------------------------------------------------
# Replays
# --------------------------------------------------------------------------------------------


def test_a_replayed_batch_gets_the_same_bytes(shop_a: Shop, till: PairedTerminal) -> None:
    body = batch(
        sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "50")]),
        sale(2, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "60")], totals={"total": "1"}),
    )

    first = push(till.client, body)
    again = push(till.client, body, compress=False)

    assert first.status_code == again.status_code == 200
    assert first.json()["results"][1]["conflicts"]  # keys a database store would reorder
    assert again.content == first.content
    assert again["Content-Type"] == first["Content-Type"] == "application/json"


def test_a_retry_with_a_refreshed_terminal_time_is_the_same_batch(shop_a: Shop, till: PairedTerminal) -> None:
    batch_id = uuid.uuid4()
    ops = [sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")])]
    first = push(till.client, batch(*ops, batch_id=batch_id, terminal_time=timezone.now()))

    retry = push(
        till.client, batch(*ops, batch_id=batch_id, terminal_time=timezone.now() + dt.timedelta(minutes=3))
    )

    assert retry.status_code == 200, retry.content
    assert retry.content == first.content
    with tenant_context(shop_a.tenant):
        assert Sale.objects.count() == 1
        assert Batch.objects.count() == 1


# --------------------------------------------------------------------------------------------
# A suspended shop, a revoked terminal: the offline sales still reach the books
# --------------------------------------------------------------------------------------------


def test_sales_made_while_suspended_are_held_and_applied_on_resume(
    shop_a: Shop, till: PairedTerminal, manager: Member
) -> None:
    before = sale(
        1,
        cashier=shop_a.cashier,
        lines=[(shop_a.products["rice"], "1")],
        at=timezone.now() - dt.timedelta(hours=2),
    )
    tenant_suspend(slug=shop_a.tenant.slug, actor="tests")
    during = sale(2, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "2")], at=timezone.now())
    voided = sale(3, cashier=shop_a.cashier, lines=[(shop_a.products["water"], "1")], at=timezone.now())
    undo = void(4, sale_op=voided, by=manager, at=timezone.now())
    body = batch(before, during, voided, undo)

    held = push(till.client, body)

    answers = results(held)
    assert [(a["status"], a.get("code")) for a in answers] == [
        ("applied", None),
        *[("pending", "tenant_suspended")] * 3,
    ]
    with tenant_context(shop_a.tenant):
        assert list(Sale.objects.values_list("pk", flat=True)) == [uuid.UUID(before["op_id"])]
    assert level(shop_a, "rice") == D("99")
    # Sent again while suspended: held, not lost.
    [again] = results(push(till.client, batch(during)))
    assert (again["status"], again["original_status"], again["code"]) == (
        "duplicate",
        "pending",
        "tenant_suspended",
    )

    call_command("tenant", "resume", shop_a.tenant.slug)

    with tenant_context(shop_a.tenant):
        assert set(Sale.objects.values_list("pk", flat=True)) == {
            uuid.UUID(o["op_id"]) for o in (before, during, voided)
        }
        assert SaleEvent.objects.filter(sale_id=voided["op_id"], kind="voided").exists()
        assert set(Op.objects.values_list("status", flat=True)) == {"applied"}
    assert level(shop_a, "rice") == D("97")
    assert level(shop_a, "water") == D("100")
    # Resending: the batch gets its stored answer (pending is "done" for a client), each op in a
    # new batch its final one.
    assert push(till.client, body).content == held.content
    final = results(push(till.client, batch(during, undo)))
    assert [(r["status"], r["original_status"]) for r in final] == [("duplicate", "applied")] * 2
    assert final[0]["id"] == during["op_id"]
    assert till.client.get("/api/v1/sync/status").json()["pending_ops"] == 0


def test_a_revoked_terminals_queue_reaches_the_books_through_a_new_terminal(
    shop_a: Shop, till: PairedTerminal
) -> None:
    made = timezone.now() - dt.timedelta(hours=1)
    queue = [
        sale(seq, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")], at=made) for seq in (1, 2)
    ]
    with tenant_context(shop_a.tenant):
        terminals.terminal_revoke(terminal_id=till.terminal.pk, actor=Actor.system("tests"), reason="stolen")

    refused = push(till.client, batch(*queue))

    assert (refused.status_code, refused.json()["code"]) == (401, "terminal_revoked")
    with tenant_context(shop_a.tenant):
        assert not Sale.objects.exists()
        assert not Op.objects.exists()

    replacement = pair_terminal(shop_a.tenant, shop_a.storefront, code="T2")
    answers = results(push(replacement.client, batch(*queue)))

    assert [a["status"] for a in answers] == ["applied", "applied"]
    with tenant_context(shop_a.tenant):
        assert sorted(Sale.objects.values_list("receipt_number", flat=True)) == [
            "ACC-T1-000001",
            "ACC-T1-000002",
        ]
    assert level(shop_a, "rice") == D("98")


@pytest.mark.parametrize(
    ("occurred_at", "status"),
    [
        ("2026-13-01T00:00:00+00:00", "rejected"),  # well formed, not a date
        ("0001-01-01T00:00:00+05:00", "rejected"),  # before year 1 in UTC
        ("9999-12-31T23:00:00-05:00", "rejected"),  # after year 9999 in UTC
        (None, "applied"),  # an offset past ±15:59, which PostgreSQL refuses: read in UTC
    ],
)
def test_times_python_and_postgresql_read_differently_never_fail_the_batch(
    shop_a: Shop, till: PairedTerminal, occurred_at: str | None, status: str
) -> None:
    odd = sale(2, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")])
    far_east = (timezone.now() - dt.timedelta(minutes=5)).astimezone(dt.timezone(dt.timedelta(hours=20)))
    odd["occurred_at"] = occurred_at or far_east.isoformat()
    good = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["water"], "1")])
    body = batch(good, odd)
    body["terminal_time"] = far_east.isoformat()

    answers = results(push(till.client, body))

    assert [a["status"] for a in answers] == ["applied", status]
    if status == "rejected":
        assert answers[1]["code"] == "occurred_at_invalid"
    with tenant_context(shop_a.tenant):
        assert Sale.objects.count() == (2 if status == "applied" else 1)


def test_a_terminal_time_that_is_not_a_date_is_refused_whole(shop_a: Shop, till: PairedTerminal) -> None:
    body = batch(sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")]))
    body["terminal_time"] = "2026-02-30T10:00:00Z"

    response = push(till.client, body)

    assert (response.status_code, response.json()["code"]) == (400, "batch_malformed")
    with tenant_context(shop_a.tenant):
        assert not Sale.objects.exists()
