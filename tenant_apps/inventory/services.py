"""Stock writes. Every change is a movement; levels move with them in the same transaction.

:func:`movements_apply` is the one write path of the ledger (sales, refunds, voids, receipts,
adjustments, counts, transfers; online and from terminals): the movements and the levels'
``INSERT ... ON CONFLICT DO UPDATE`` in one statement (``COPY`` first for a large run), level rows
taken in (product, storefront) order so that concurrent writers queue instead of deadlocking, and
never lose an update. Its pieces (:func:`movements_insert`, :func:`levels_statement`,
:func:`shortages_refuse`) serve the online sale writer, which moves the levels in its last
statement, so that they are held for less time (``sales/services/write.py``).

Lock order across the code base (docs/architecture.md): a sale row (voids, refunds), then the
receipt locks (a terminal number's advisory lock, or the storefront day's receipt counter), then
the stock levels in (product, storefront) order.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from pos_platform.db import bound_cursor
from pos_platform.db.bulk import copy_rows, insert_sql, with_ctes
from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.services import audit_record
from pos_platform.kernel.money import QUANTITY_MAX, QUANTITY_PLACES, ZERO, has_places
from tenant_apps.catalog.models import Product
from tenant_apps.inventory.errors import (
    InsufficientStock,
    OperationExists,
    ProductNotStocked,
    StockInvalid,
)
from tenant_apps.inventory.models import ADJUST_REASONS, StockCountLine, StockMovement, StockOperation
from tenant_apps.shop.services import occurred_at_resolve, shop_settings_get
from tenant_apps.storefronts.errors import StorefrontNotFound
from tenant_apps.storefronts.models import Storefront

MAX_LINES = 500
_QTY = Decimal("0.001")
LevelKey = tuple[uuid.UUID, uuid.UUID]


@dataclass(frozen=True)
class MovementInput:
    product_id: uuid.UUID
    storefront_id: uuid.UUID
    kind: str
    quantity: Decimal
    occurred_at: dt.datetime
    sale_id: uuid.UUID | None = None
    sale_event_id: uuid.UUID | None = None
    operation_id: uuid.UUID | None = None
    reason: str = ""
    actor_id: uuid.UUID | None = None


@dataclass(frozen=True)
class StockLine:
    product_id: uuid.UUID
    quantity: Decimal


@dataclass(frozen=True)
class Shortage:
    product_id: uuid.UUID
    storefront_id: uuid.UUID
    available: Decimal
    requested: Decimal
    level: Decimal

    def as_json(self) -> dict[str, str]:
        return {
            "product_id": str(self.product_id),
            "storefront_id": str(self.storefront_id),
            "available": str(self.available),
            "requested": str(self.requested),
            "level": str(self.level),
        }


_LEVELS_SQL = """
INSERT INTO inventory_level (id, product_id, storefront_id, quantity, updated_at)
SELECT gen_random_uuid(), v.pid, v.sid, v.delta, %s::timestamptz
FROM (VALUES {values}) AS v(pid, sid, delta){after}
ORDER BY v.pid, v.sid
ON CONFLICT (product_id, storefront_id)
DO UPDATE SET quantity = inventory_level.quantity + EXCLUDED.quantity, updated_at = EXCLUDED.updated_at
RETURNING product_id, storefront_id, quantity
"""

# Up to this many movements are inserted in the statement that moves the levels (one round trip);
# more are loaded with COPY first (no parameter limit, cheaper per row).
_INLINE_MOVEMENTS = 200


def levels_statement(
    deltas: dict[LevelKey, Decimal], now: dt.datetime, *, after: str = ""
) -> tuple[str, list[Any]]:
    """The upsert that moves the levels by ``deltas``, locking them in (product, storefront)
    order, ``RETURNING product_id, storefront_id, quantity`` (the new levels). ``after``: the
    name of a CTE of the same statement whose rows must exist before any level is locked (a
    lock taken first in the caller's lock order); the upsert reads it, so PostgreSQL cannot run
    it earlier."""
    keys = sorted(deltas)
    values = ", ".join(["(%s::uuid, %s::uuid, %s::numeric)"] * len(keys))
    params: list[Any] = [now]
    for product_id, storefront_id in keys:
        params += [product_id, storefront_id, deltas[(product_id, storefront_id)]]
    join = f" CROSS JOIN (SELECT 1 FROM {after} LIMIT 1) AS first" if after else ""  # noqa: S608 - a CTE name from the code
    return _LEVELS_SQL.format(values=values, after=join), params


def movements_insert(movements: Sequence[MovementInput], *, now: dt.datetime) -> tuple[str, list[Any]]:
    """The INSERT of ``movements`` (a CTE for a caller that moves the levels in a later
    statement of its transaction with :func:`levels_statement`, then :func:`shortages_refuse`)."""
    return insert_sql([StockMovement(**movement_values(m, now=now)) for m in movements])


def levels_lock(*, keys: Iterable[LevelKey], now: dt.datetime) -> None:
    """Lock the level rows of ``keys`` (creating missing ones at zero) without moving them, in
    (product, storefront) order, until the transaction ends: a count reads the ledger under it."""
    deltas = dict.fromkeys(keys, ZERO)
    if deltas:
        with bound_cursor() as cursor:
            cursor.execute(*levels_statement(deltas, now))


def movement_values(m: MovementInput, *, now: dt.datetime) -> dict[str, Any]:
    """A movement row's column values (by attribute name)."""
    return {
        "product_id": m.product_id,
        "storefront_id": m.storefront_id,
        "kind": m.kind,
        "quantity": m.quantity,
        "occurred_at": m.occurred_at,
        "created_at": now,
        "sale_id": m.sale_id,
        "sale_event_id": m.sale_event_id,
        "operation_id": m.operation_id,
        "reason": m.reason,
        "actor_id": m.actor_id,
    }


def level_deltas(movements: Iterable[MovementInput]) -> dict[LevelKey, Decimal]:
    """What ``movements`` add to each level (levels they leave unchanged omitted)."""
    deltas: dict[LevelKey, Decimal] = defaultdict(lambda: ZERO)
    for m in movements:
        deltas[(m.product_id, m.storefront_id)] += m.quantity
    return {k: v for k, v in deltas.items() if v != ZERO}


def on_short_of_shop() -> Literal["refuse", "flag"]:
    """What the shop does about a write that takes stock below zero (its ``allow_negative_stock``)."""
    return "flag" if shop_settings_get().allow_negative_stock else "refuse"


def movements_apply(
    *, movements: Sequence[MovementInput], now: dt.datetime, on_short: Literal["refuse", "flag"]
) -> dict[LevelKey, Decimal]:
    """The one write path of the ledger: insert ``movements`` and move the levels by them.
    Returns the new levels of the (product, storefront) pairs they change.

    Level rows are taken in (product, storefront) order and stay locked until the transaction
    ends. ``on_short="refuse"``: a level that a negative movement takes below zero raises
    :class:`InsufficientStock` (the caller's transaction rolls back) with the available quantity;
    ``"flag"``: it is written, and the caller reads the negative level from the result.
    """
    if not movements:
        return {}
    deltas = level_deltas(movements)
    if len(movements) > _INLINE_MOVEMENTS:
        copy_rows(StockMovement, [movement_values(m, now=now) for m in movements], now=now)
        statement = levels_statement(deltas, now) if deltas else None
    else:
        insert = ("m", *movements_insert(movements, now=now))
        # A level-less statement still inserts the movements (e.g. +1 and -1 of one product).
        statement = with_ctes([insert], levels_statement(deltas, now) if deltas else ("SELECT 1", []))
    levels: dict[LevelKey, Decimal] = {}
    if statement is not None:
        with bound_cursor() as cursor:
            cursor.execute(*statement)
            if deltas:
                levels = {(pid, sid): quantity for pid, sid, quantity in cursor.fetchall()}
    if on_short == "refuse":
        shortages_refuse(levels=levels, deltas=deltas)
    return levels


def shortages_refuse(*, levels: dict[LevelKey, Decimal], deltas: dict[LevelKey, Decimal]) -> None:
    """Raise :class:`InsufficientStock` (with the available quantities) when a negative delta
    took a level below zero: ``levels`` are the new levels, ``deltas`` what moved them."""
    shortages = [
        Shortage(
            product_id=key[0],
            storefront_id=key[1],
            available=max(level - deltas[key], ZERO).quantize(_QTY),
            requested=(-deltas[key]).quantize(_QTY),
            level=(level - deltas[key]).quantize(_QTY),
        )
        for key, level in sorted(levels.items())
        if deltas[key] < ZERO and level < ZERO
    ]
    if shortages:
        details = {"shortages": [s.as_json() for s in shortages]}
        if len(shortages) == 1:
            raise InsufficientStock(
                gettext_noop("Not enough stock: %(available)s available, %(requested)s requested."),
                params={"available": shortages[0].available, "requested": shortages[0].requested},
                details=details,
            )
        raise InsufficientStock(
            gettext_noop("Not enough stock for %(count)s products (available / requested): %(shortages)s."),
            params={
                "count": len(shortages),
                "shortages": "; ".join(f"{s.available} / {s.requested}" for s in shortages),
            },
            details=details,
        )


# ---------------------------------------------------------------------------------------------
# Stock documents
# ---------------------------------------------------------------------------------------------


def _check_lines(lines: Sequence[StockLine], *, allow_negative: bool, allow_zero: bool) -> None:
    if not lines:
        raise StockInvalid(gettext_noop("Give at least one line."))
    if len(lines) > MAX_LINES:
        raise StockInvalid(
            gettext_noop("At most %(MAX_LINES)s lines per operation."), params={"MAX_LINES": MAX_LINES}
        )
    seen: set[uuid.UUID] = set()
    for index, line in enumerate(lines):
        q = line.quantity
        if line.product_id in seen:
            raise StockInvalid(
                gettext_noop("Each product appears once per operation."), details={"line": index}
            )
        seen.add(line.product_id)
        bad = (
            not isinstance(q, Decimal)
            or not has_places(q, QUANTITY_PLACES)
            or abs(q) > QUANTITY_MAX
            or (q < 0 and not allow_negative)
            or (q == 0 and not allow_zero)
        )
        if bad:
            raise StockInvalid(
                gettext_noop(
                    "Line %(line)s: the quantity must be non-zero, at most %(QUANTITY_MAX)s with "
                    "%(QUANTITY_PLACES)s decimals."
                )
                if allow_negative
                else gettext_noop(
                    "Line %(line)s: the quantity must be zero or more, at most %(QUANTITY_MAX)s with "
                    "%(QUANTITY_PLACES)s decimals."
                )
                if allow_zero
                else gettext_noop(
                    "Line %(line)s: the quantity must be more than zero, at most %(QUANTITY_MAX)s with "
                    "%(QUANTITY_PLACES)s decimals."
                ),
                details={"line": index, "quantity": str(q)},
                params={"line": index + 1, "QUANTITY_MAX": QUANTITY_MAX, "QUANTITY_PLACES": QUANTITY_PLACES},
            )


def _check_stocked(product_ids: Iterable[uuid.UUID]) -> None:
    ids = list(product_ids)
    stocked = set(Product.objects.filter(pk__in=ids, track_stock=True).values_list("pk", flat=True))
    missing = [str(i) for i in ids if i not in stocked]
    if missing:
        raise ProductNotStocked(details={"product_ids": missing})


def _storefront(storefront_id: uuid.UUID) -> Storefront:
    storefront = Storefront.objects.filter(pk=storefront_id).first()
    if storefront is None:
        raise StorefrontNotFound(details={"storefront_id": str(storefront_id)})
    return storefront


def _operation_open(
    *,
    kind: str,
    storefront_id: uuid.UUID,
    lines: Sequence[StockLine],
    actor: Actor,
    note: str,
    occurred_at: dt.datetime | None,
    operation_id: uuid.UUID | None,
    to_storefront_id: uuid.UUID | None = None,
    reason: str = "",
    allow_negative: bool = False,
    allow_zero: bool = False,
) -> StockOperation:
    """The checks every stock document shares, then its row (``received_at`` is now)."""
    now = timezone.now()
    occurred_at = occurred_at_resolve(occurred_at, now=now)
    _check_lines(lines, allow_negative=allow_negative, allow_zero=allow_zero)
    storefront = _storefront(storefront_id)
    to_storefront = _storefront(to_storefront_id) if to_storefront_id is not None else None
    if to_storefront is not None and to_storefront.pk == storefront.pk:
        raise StockInvalid(
            gettext_noop("A transfer goes to another storefront."), code="transfer_same_storefront"
        )
    _check_stocked(line.product_id for line in lines)
    operation = StockOperation(
        id=operation_id or uuid.uuid4(),
        kind=kind,
        storefront=storefront,
        to_storefront=to_storefront,
        reason=reason,
        note=note.strip()[:500],
        occurred_at=occurred_at,
        received_at=now,
        actor_id=actor.user_id,
        terminal_id=actor.terminal_id,
    )
    try:
        with transaction.atomic():
            operation.save(force_insert=True)
    except IntegrityError as exc:
        raise OperationExists(details={"id": str(operation.id)}) from exc
    return operation


def _movement(
    operation: StockOperation, product_id: uuid.UUID, storefront_id: uuid.UUID, kind: str, quantity: Decimal
) -> MovementInput:
    return MovementInput(
        product_id,
        storefront_id,
        kind,
        quantity,
        operation.occurred_at,
        operation_id=operation.pk,
        reason=operation.reason,
        actor_id=operation.actor_id,
    )


def _audit(operation: StockOperation, actor: Actor, lines: list[dict[str, str]]) -> None:
    audit_record(
        action=f"stock.{operation.kind}",
        actor=actor,
        object_type="stock_operation",
        object_id=operation.pk,
        storefront_id=operation.storefront_id,
        details={
            "lines": lines,
            "reason": operation.reason,
            "note": operation.note,
            "to_storefront_id": str(operation.to_storefront_id) if operation.to_storefront_id else None,
        },
    )


def _line_details(lines: Sequence[StockLine]) -> list[dict[str, str]]:
    return [{"product_id": str(x.product_id), "quantity": str(x.quantity)} for x in lines]


@transaction.atomic
def stock_receive(
    *,
    storefront_id: uuid.UUID,
    lines: Sequence[StockLine],
    actor: Actor,
    note: str = "",
    occurred_at: dt.datetime | None = None,
    operation_id: uuid.UUID | None = None,
) -> StockOperation:
    """Goods arrived at a storefront (a delivery): one ``receive`` movement per line."""
    operation = _operation_open(
        kind="receive",
        storefront_id=storefront_id,
        lines=lines,
        actor=actor,
        note=note,
        occurred_at=occurred_at,
        operation_id=operation_id,
    )
    movements_apply(
        movements=[
            _movement(operation, line.product_id, operation.storefront_id, "receive", line.quantity)
            for line in lines
        ],
        now=operation.received_at,
        on_short="flag",  # only adds stock
    )
    _audit(operation, actor, _line_details(lines))
    return operation


@transaction.atomic
def stock_adjust(
    *,
    storefront_id: uuid.UUID,
    lines: Sequence[StockLine],
    reason: str,
    actor: Actor,
    note: str = "",
    occurred_at: dt.datetime | None = None,
    operation_id: uuid.UUID | None = None,
) -> StockOperation:
    """A signed correction with a reason (damaged, expired, lost, theft, correction, other)."""
    if reason not in ADJUST_REASONS:
        raise StockInvalid(
            gettext_noop("The reason is one of: %(join)s."),
            code="adjust_reason_invalid",
            details={"reason": reason},
            params={"join": ", ".join(ADJUST_REASONS)},
        )
    operation = _operation_open(
        kind="adjust",
        storefront_id=storefront_id,
        lines=lines,
        actor=actor,
        note=note,
        occurred_at=occurred_at,
        operation_id=operation_id,
        reason=reason,
        allow_negative=True,
    )
    movements_apply(
        movements=[
            _movement(operation, line.product_id, operation.storefront_id, "adjust", line.quantity)
            for line in lines
        ],
        now=operation.received_at,
        on_short=on_short_of_shop(),
    )
    _audit(operation, actor, _line_details(lines))
    return operation


_LEVEL_AT_SQL = """
SELECT product_id, COALESCE(SUM(quantity), 0) FROM inventory_movement
WHERE storefront_id = %s AND product_id = ANY(%s) AND occurred_at <= %s
GROUP BY product_id
"""


@transaction.atomic
def stock_count(
    *,
    storefront_id: uuid.UUID,
    lines: Sequence[StockLine],
    actor: Actor,
    note: str = "",
    occurred_at: dt.datetime | None = None,
    operation_id: uuid.UUID | None = None,
) -> StockOperation:
    """What was found on the shelves (``quantity`` = counted). The ledger's level at the count's
    time is the expected quantity; the difference is recorded per line and booked as a ``count``
    movement, so that movements after the count (an offline count uploaded late) still apply."""
    operation = _operation_open(
        kind="count",
        storefront_id=storefront_id,
        lines=lines,
        actor=actor,
        note=note,
        occurred_at=occurred_at,
        operation_id=operation_id,
        allow_zero=True,
    )
    storefront_id, now = operation.storefront_id, operation.received_at
    # Lock the levels (product order) before reading the ledger, so that no sale moves them while
    # the count is booked.
    levels_lock(keys=[(line.product_id, storefront_id) for line in lines], now=now)
    with connection.cursor() as cursor:
        cursor.execute(
            _LEVEL_AT_SQL, [storefront_id, [line.product_id for line in lines], operation.occurred_at]
        )
        expected = dict(cursor.fetchall())
    count_lines = [
        StockCountLine(
            operation=operation,
            product_id=line.product_id,
            expected=expected.get(line.product_id, ZERO),
            counted=line.quantity,
            difference=line.quantity - expected.get(line.product_id, ZERO),
        )
        for line in lines
    ]
    StockCountLine.objects.bulk_create(count_lines)
    movements_apply(
        movements=[
            _movement(operation, c.product_id, storefront_id, "count", c.difference)
            for c in count_lines
            if c.difference != ZERO
        ],
        now=now,
        on_short="flag",  # a count records what is there, even below zero
    )
    _audit(
        operation,
        actor,
        [
            {
                "product_id": str(c.product_id),
                "expected": str(c.expected),
                "counted": str(c.counted),
                "difference": str(c.difference),
            }
            for c in count_lines
        ],
    )
    return operation


@transaction.atomic
def stock_transfer(
    *,
    from_storefront_id: uuid.UUID,
    to_storefront_id: uuid.UUID,
    lines: Sequence[StockLine],
    actor: Actor,
    note: str = "",
    occurred_at: dt.datetime | None = None,
    operation_id: uuid.UUID | None = None,
) -> StockOperation:
    """Move goods between two storefronts: ``transfer_out`` and ``transfer_in`` per line."""
    operation = _operation_open(
        kind="transfer",
        storefront_id=from_storefront_id,
        to_storefront_id=to_storefront_id,
        lines=lines,
        actor=actor,
        note=note,
        occurred_at=occurred_at,
        operation_id=operation_id,
    )
    source, target = operation.storefront_id, to_storefront_id
    movements_apply(
        movements=[
            movement
            for line in lines
            for movement in (
                _movement(operation, line.product_id, source, "transfer_out", -line.quantity),
                _movement(operation, line.product_id, target, "transfer_in", line.quantity),
            )
        ],
        now=operation.received_at,
        on_short=on_short_of_shop(),
    )
    _audit(operation, actor, _line_details(lines))
    return operation
