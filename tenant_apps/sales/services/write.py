"""Writing sales: the one writer of sale rows, for online sales and for sales from terminals.

:func:`sales_write` takes sales already validated and priced (:class:`BuiltSale`, made by
``sale_build``) and owns everything that needs the database: receipt locks and counters, receipt
clash and oversold detection, the rows of every table, and the stock ledger
(``inventory.services.movements_apply`` for a terminal run; its pieces for an online sale, whose
shared rows come last). ``sale_record`` calls it with one sale; the sync push
calls it with a whole run of consecutive sales and, when the database refuses the run, with each
sale of the run on its own.

Lock order (the same everywhere, docs/architecture.md): receipt locks first (a terminal number's
advisory lock, or the storefront day's receipt counter row for an online sale), then the stock
levels in (product, storefront) order. Voids and refunds lock the sale row before the levels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError
from django.db.models import Model

from pos_platform.db import bound_cursor, pipelined
from pos_platform.db.bulk import copy_rows, insert_select_sql, insert_sql, with_ctes
from pos_platform.kernel.money import ZERO
from tenant_apps.inventory.services import (
    LevelKey,
    MovementInput,
    level_deltas,
    levels_statement,
    movements_apply,
    movements_insert,
    shortages_refuse,
)
from tenant_apps.sales.errors import SaleExists
from tenant_apps.sales.models import Payment, Sale, SaleEvent, SaleLine


@dataclass(frozen=True)
class ConflictDescriptor:
    """Something an admin should look at; the sale was recorded anyway (terminal sales).

    ``code``: ``oversold``, ``price_mismatch``, ``total_mismatch``, ``receipt_clash`` or
    ``payment_mismatch``.
    """

    code: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "details": self.details}


@dataclass
class BuiltSale:
    """A sale's rows (column values by attribute name), priced and checked, not yet written.

    Plain values rather than model instances: a sync run builds thousands of rows and writes them
    with ``COPY``. ``conflicts`` are those that depend only on the sale's own data (price, totals,
    payments); the writer adds the receipt clash and oversold ones."""

    sale: dict[str, Any]
    lines: list[dict[str, Any]]
    payments: list[dict[str, Any]]
    event: dict[str, Any]
    stock: list[MovementInput]
    conflicts: list[ConflictDescriptor]
    # Online sales: the receipt number's prefix (<storefront code>-<yymmdd>-), the counter's
    # next value appended by the writer; and whether short stock refuses the sale.
    receipt_prefix: str = ""
    refuse_short: bool = False

    @property
    def is_terminal(self) -> bool:
        return self.sale["origin"] == "terminal"


@dataclass
class WrittenSale:
    """What the writer decided: the receipt number (online: from the counter) and every conflict
    (the built ones, then the receipt clash, then oversold), as stored on the sale row."""

    receipt_number: str
    conflicts: list[ConflictDescriptor]


def receipt_lock(numbers: Sequence[str]) -> None:
    """Serialise checks of terminal receipt numbers: two uploads of the same number at the same
    moment must not both find it unused. Taken in a fixed order, before any stock level lock."""
    if not numbers:
        return
    with bound_cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(1919116100, k) FROM "
            "(SELECT DISTINCT hashtext(n) AS k FROM unnest(%s::text[]) AS n ORDER BY 1) AS keys",
            [sorted(set(numbers))],
        )


# The next gap-free number of the storefront's day, taken in the statement that inserts the sale.
_COUNTER_SQL = """
INSERT INTO sales_receipt_counter (storefront_id, day, last_value) VALUES (%s, %s, 1)
ON CONFLICT (storefront_id, day) DO UPDATE SET last_value = sales_receipt_counter.last_value + 1
RETURNING last_value
"""
_RECEIPT_EXPRESSION = "%s::text || lpad(c.last_value::text, greatest(4, length(c.last_value::text)), '0')"


def sales_write(*, built: Sequence[BuiltSale], now: dt.datetime) -> list[WrittenSale]:
    """Write ``built`` (in this order: a run's seq order) in the caller's transaction; one
    :class:`WrittenSale` per sale. ``built`` is not changed, so a refused run can be written
    again sale by sale.

    An online sale is written on its own (its receipt number comes from the counter in the
    statement that inserts it). A database refusal propagates (:class:`SaleExists` for a sale id
    taken, when one sale is written); the caller's savepoint rolls it back."""
    if not built:
        return []
    online = [b for b in built if not b.is_terminal]
    if online and len(built) > 1:
        raise ValueError("An online sale is written on its own.")
    written = [
        WrittenSale(receipt_number=b.sale["receipt_number"], conflicts=list(b.conflicts)) for b in built
    ]
    try:
        if online:
            _write_online(online[0], written[0], now=now)
        else:
            _write_terminal(built, written, now=now)
    except IntegrityError as exc:
        if len(built) > 1:
            raise
        raise SaleExists(details={"sale_id": str(built[0].sale["id"])}) from exc
    return written


def _write_online(item: BuiltSale, written: WrittenSale, *, now: dt.datetime) -> None:
    # Every sale of a storefront's day takes the same receipt counter row, and every sale of a
    # product the same stock level, each held until commit: so they come last. First (one
    # statement) the rows no other sale touches: lines, payments, the created event and the
    # stock movements (their foreign keys to the sale are checked at commit). Then (one
    # statement) the counter, the sale row with its number, and the levels, in that lock order:
    # the levels' upsert reads the counter's row, so it cannot run first.
    sale = Sale(**item.sale)
    rows = _row_ctes(item)
    if item.stock:
        rows.append(("m", *movements_insert(item.stock, now=now)))
    insert = insert_select_sql(
        sale, source="c", expressions={"receipt_number": (_RECEIPT_EXPRESSION, [item.receipt_prefix])}
    )
    ctes = [
        ("c", _COUNTER_SQL, [sale.storefront_id, sale.business_date]),
        ("s", f"{insert[0]} RETURNING receipt_number", insert[1]),
    ]
    deltas = level_deltas(item.stock)
    final: tuple[str, list[Any]]
    if deltas:
        ctes.append(("l", *levels_statement(deltas, now, after="c")))
        final = (
            "SELECT s.receipt_number, l.product_id, l.storefront_id, l.quantity FROM s LEFT JOIN l ON true",
            [],
        )
    else:
        final = ("SELECT s.receipt_number, NULL, NULL, NULL FROM s", [])
    # Two statements, so that the server runs the second after the first (the CTEs of one
    # statement run in no set order), sent in one round trip: the first one's answer is not
    # needed before the second (its error, if any, is raised by the read of the second's rows).
    with pipelined(), bound_cursor() as first, bound_cursor() as last:
        first.execute(*with_ctes(rows, ("SELECT 1", [])))
        last.execute(*with_ctes(ctes, final))
        results = last.fetchall()
    written.receipt_number = results[0][0]
    if item.refuse_short:
        levels = {(pid, sid): quantity for _, pid, sid, quantity in results if pid is not None}
        shortages_refuse(levels=levels, deltas=deltas)


def _write_terminal(built: Sequence[BuiltSale], written: list[WrittenSale], *, now: dt.datetime) -> None:
    # Receipt numbers first (a lock per number, then one lookup), then the stock levels.
    numbers = [b.sale["receipt_number"] for b in built]
    receipt_lock(numbers)
    used = set(Sale.objects.filter(receipt_number__any=set(numbers)).values_list("receipt_number", flat=True))
    for number, out in zip(numbers, written, strict=True):
        if number in used:
            out.conflicts.append(ConflictDescriptor("receipt_clash", {"receipt_number": number}))
        used.add(number)

    # One ledger call moves every level the run touches; each sale's own effect is then replayed
    # in order from the level before the run, to flag exactly the sales that took one below zero.
    movements = [m for b in built for m in b.stock]
    levels = movements_apply(movements=movements, now=now, on_short="flag")
    running: dict[LevelKey, Decimal] = {
        key: levels[key] - delta for key, delta in level_deltas(movements).items()
    }
    for item, out in zip(built, written, strict=True):
        touched: set[LevelKey] = set()
        for key, delta in level_deltas(item.stock).items():
            running[key] = running.get(key, levels.get(key, ZERO)) + delta
            touched.add(key)
        out.conflicts.extend(
            ConflictDescriptor(
                "oversold",
                {"product_id": str(pid), "storefront_id": str(sid), "level": str(running[(pid, sid)])},
            )
            for pid, sid in sorted(touched)
            if running[(pid, sid)] < ZERO
        )

    rows = [
        {**b.sale, "conflicts": [c.as_json() for c in out.conflicts]}
        for b, out in zip(built, written, strict=True)
    ]
    if len(built) == 1:
        # One sale: one statement (a COPY per table costs a round trip each).
        item = built[0]
        with bound_cursor() as cursor:
            cursor.execute(*with_ctes(_row_ctes(item), insert_sql([Sale(**rows[0])])))
        return
    copy_rows(Sale, rows, now=now)
    copy_rows(SaleLine, [line for b in built for line in b.lines], now=now)
    copy_rows(Payment, [payment for b in built for payment in b.payments], now=now)
    copy_rows(SaleEvent, [b.event for b in built], now=now)


def _row_ctes(item: BuiltSale) -> list[tuple[str, str, list[Any]]]:
    """The lines, payments and created event of one sale as CTEs of its inserting statement."""
    groups: list[Sequence[Model]] = [
        [SaleLine(**row) for row in item.lines],
        [Payment(**row) for row in item.payments],
        [SaleEvent(**item.event)],
    ]
    return [(f"i{index}", *insert_sql(rows)) for index, rows in enumerate(groups) if rows]
