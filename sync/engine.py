"""The push engine: one batch in one transaction, each op atomic on its own.

1. The batch id is claimed (``INSERT ... ON CONFLICT DO NOTHING``): a second copy of a batch that
   is being applied waits for the first and then gets its stored answer. A batch is identified
   by its ops: a retry with a refreshed ``terminal_time`` is the same batch.
2. The ops of the batch are looked up by ``op_id`` in one query: an op seen before is a
   ``duplicate`` (same content) or ``op_id_reused`` (different content; the original is kept).
3. New ops are claimed with one ``INSERT ... ON CONFLICT DO NOTHING`` on the op table (unique on
   ``op_id`` and on ``(terminal, seq)``): the database, not code, decides that an op is applied
   once, even when two copies of it arrive at the same moment.
4. Claimed ops are applied in ``seq`` order, each in a savepoint: one bad op is rejected with a
   reason and the others go on. A void or refund whose sale has not arrived is held ``pending``
   and applied when the sale comes; an op made while the shop is suspended is held ``pending``
   (``tenant_suspended``) and applied when the shop resumes (:func:`held_ops_apply`).
5. The results are written back to the op rows and the answer is stored as the bytes sent: the
   same batch sent again gets the same bytes.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

import orjson
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, tenant_context

from pos_platform.db import connection
from pos_platform.db.bulk import copy_rows
from pos_platform.kernel.transactions import reconnecting
from shared_apps.accounts.history import member_states_at
from shared_apps.tenants.models import Tenant
from sync.clock import clock_offset, effective_time
from sync.envelope import BatchIn, OpIn, parse_op
from sync.errors import BatchIdReused
from sync.models import Batch, Conflict, Op, Terminal
from sync.ops import others  # noqa: F401 - registers the handlers
from sync.ops.base import HANDLERS, BatchState, OpContext, OpRejected, Outcome, cashier_id_of
from sync.ops.sale import apply_sales
from sync.receipts import receipts_of_applied_sales
from tenant_apps.receipts.services import receipt_urls

logger = logging.getLogger(__name__)

# The code of an op held while the shop is suspended (status pending, applied on resume).
HELD = "tenant_suspended"


@reconnecting
def push_batch(*, terminal: Terminal, batch: BatchIn, app_version: str = "") -> bytes:
    """Apply a batch (or answer a batch applied before); the JSON answer, as bytes. A batch
    whose database connection is lost under it is run again at once on a new one (the batch is
    one transaction, and a batch applied before is answered from its stored reply)."""
    stored = Batch.objects.filter(terminal=terminal, batch_id=batch.batch_id).first()
    if stored is not None:
        return _replay(stored, batch)
    received_at = timezone.now()
    offset = clock_offset(received_at=received_at, terminal_time=batch.terminal_time)
    with transaction.atomic():
        with connection.cursor() as cursor:
            # A concurrent copy of this batch blocks here until it commits, then loses the claim.
            cursor.execute(
                "INSERT INTO sync_batch (terminal_id, batch_id, digest, received_at, terminal_time, "
                "ops, response) VALUES (%s, %s, %s, %s, %s, %s, ''::bytea) "
                "ON CONFLICT DO NOTHING RETURNING id",
                [terminal.pk, batch.batch_id, batch.digest, received_at, batch.terminal_time, len(batch.ops)],
            )
            claimed = cursor.fetchone()
        if claimed is None:
            return _replay(Batch.objects.get(terminal=terminal, batch_id=batch.batch_id), batch)
        _suspension_settled()
        results = _apply_ops(terminal=terminal, ops=batch.ops, received_at=received_at, offset=offset)
        reply = orjson.dumps(
            {"batch_id": str(batch.batch_id), "server_time": received_at.isoformat(), "results": results}
        )
        _settle(
            terminal,
            batch_pk=claimed[0],
            reply=reply,
            received_at=received_at,
            offset=offset,
            app_version=app_version,
        )
    return reply


def _suspension_settled() -> None:
    """Re-read a suspended shop's state under a share lock on its row: ``tenant resume`` (which
    locks the row for update) then waits for this batch and applies what it held, or has already
    committed and this batch holds nothing. Without it, ops held by a batch that read the shop
    as suspended just before the resume would stay held."""
    tenant = connection.tenant
    if getattr(tenant, "suspended_at", None) is None:
        return
    quote = connection.ops.quote_name
    table = f"{quote(get_public_schema_name())}.{quote(Tenant._meta.db_table)}"
    with connection.cursor() as cursor:
        # Names from the model, not from input; Django has no FOR SHARE of its own.
        cursor.execute(f"SELECT suspended_at FROM {table} WHERE id = %s FOR SHARE", [tenant.pk])  # noqa: S608
        row = cursor.fetchone()
    tenant.suspended_at = row[0] if row else None


def _replay(stored: Batch, batch: BatchIn) -> bytes:
    # Batches stored before a batch was identified by its ops carry the digest of the document.
    if stored.digest not in (batch.digest, batch.document_digest):
        raise BatchIdReused(details={"batch_id": str(batch.batch_id)})
    return bytes(stored.response)


def _settle(
    terminal: Terminal,
    *,
    batch_pk: int,
    reply: bytes,
    received_at: datetime,
    offset: timedelta,
    app_version: str,
) -> None:
    """Store the answer and touch the terminal (last seen, clock offset, last applied seq: the
    highest seq of its ops not rejected) in one statement: a round trip less per batch than the
    three the ORM needs."""
    quote = connection.ops.quote_name
    version = ", app_version = %s" if app_version else ""
    sql = (
        f"WITH b AS (UPDATE {quote(Batch._meta.db_table)} SET response = %s WHERE id = %s) "  # noqa: S608 - model metadata
        f"UPDATE {quote(Terminal._meta.db_table)} SET last_seen_at = %s, clock_offset_ms = %s, "
        "last_applied_seq = COALESCE((SELECT o.seq FROM "
        f"{quote(Op._meta.db_table)} o WHERE o.terminal_id = %s AND o.status <> %s "
        f"ORDER BY o.seq DESC LIMIT 1), 0){version} WHERE id = %s"
    )
    params: list[Any] = [
        reply,
        batch_pk,
        received_at,
        int(offset.total_seconds() * 1000),
        terminal.pk,
        Op.Status.REJECTED.value,
    ]
    if app_version:
        params.append(app_version[:40])
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, terminal.pk])


def _result(op: OpIn, outcome: Outcome) -> dict[str, Any]:
    result: dict[str, Any] = {"op_id": str(op.op_id), "status": outcome.status}
    if outcome.code:
        result["code"] = outcome.code
        result["message"] = outcome.message
    if outcome.details is not None:
        result["details"] = outcome.details
    if outcome.result_id is not None:
        result["id"] = str(outcome.result_id)
    if outcome.conflicts:
        result["conflicts"] = outcome.conflicts
    return result


def _duplicate(op: OpIn, original: Op) -> dict[str, Any]:
    if original.digest != op.digest:
        return _result(
            op,
            Outcome.rejected(
                "op_id_reused",
                "This op_id was already used for a different operation; the original is kept.",
                {"original_kind": original.kind},
            ),
        )
    result: dict[str, Any] = {
        "op_id": str(op.op_id),
        "status": "duplicate",
        "original_status": original.status,
    }
    if original.result_id is not None:
        result["id"] = str(original.result_id)
    if original.code:
        result["code"] = original.code
        result["message"] = original.message
    if original.conflicts:
        result["conflicts"] = original.conflicts
    return result


def _apply_ops(
    *, terminal: Terminal, ops: list[OpIn], received_at: datetime, offset: timedelta
) -> list[dict[str, Any]]:
    results: dict[int, dict[str, Any]] = {}
    existing = {o.op_id: o for o in Op.objects.filter(op_id__any=[op.op_id for op in ops]).defer("payload")}
    first_index: dict[uuid.UUID, int] = {}
    fresh: list[tuple[int, OpIn]] = []
    for index, op in enumerate(ops):
        if op.op_id in existing:
            results[index] = _duplicate(op, existing[op.op_id])
        elif op.op_id in first_index:  # the same op twice in one batch
            results[index] = {"op_id": str(op.op_id), "status": "duplicate", "same_batch": True}
        else:
            first_index[op.op_id] = index
            fresh.append((index, op))

    # Malformed ops are answered without being stored: there may be no seq to key them by.
    valid = []
    for index, op in fresh:
        if op.problem is not None:
            code, message, details = op.problem
            results[index] = _result(op, Outcome.rejected(code, message, details))
        else:
            valid.append((index, op))

    claimed = _claim(terminal, [op for _, op in valid], received_at)
    for index, op in valid:
        if op.op_id not in claimed:
            results[index] = _lost_claim(terminal, op)

    to_apply = sorted(((i, op) for i, op in valid if op.op_id in claimed), key=lambda p: p[1].seq)
    batch = BatchState(terminal=terminal, received_at=received_at, tenant=connection.tenant)
    contexts: dict[uuid.UUID, OpContext] = {}
    clock: dict[uuid.UUID, dict[str, Any]] = {}
    for _, op in to_apply:
        timing = effective_time(occurred_at=op.at, received_at=received_at, offset=offset)
        contexts[op.op_id] = OpContext(batch=batch, op=op, effective_at=timing.effective_at)
        if timing.conflict is not None:
            clock[op.op_id] = timing.conflict
    outcomes, notes = _apply(batch, list(contexts.values()), clock)
    for index, op in to_apply:
        results[index] = _result(op, outcomes[op.op_id])
        if op.op_id in notes:
            results[index]["notes"] = notes[op.op_id]
    _receipt_urls(ops, results)
    return [results[i] for i in range(len(ops))]


def _apply(
    batch: BatchState, contexts: list[OpContext], clock: dict[uuid.UUID, dict[str, Any]]
) -> tuple[dict[uuid.UUID, Outcome], dict[uuid.UUID, Any]]:
    """Apply claimed ops (in seq order), store their outcomes, and settle the ops of earlier
    batches that waited for one of their sales; the outcomes and the receipts' notes."""
    waiting = _waiting_on([ctx.op for ctx in contexts if ctx.op.kind == "sale"], batch)
    _load_members(batch, [*contexts, *waiting])
    by_id = {ctx.op.op_id: ctx for ctx in contexts}

    outcomes = _run(contexts)
    # Voids and refunds of this batch held for a sale that came later in the same batch.
    _settle_waiting(
        [by_id[op_id] for op_id, o in outcomes.items() if o.waits_for is not None], outcomes, outcomes
    )
    for op_id, conflict in clock.items():
        # An op held while the shop is suspended keeps its clock conflict for when it is applied.
        if outcomes[op_id].status == "applied" or outcomes[op_id].code == HELD:
            outcomes[op_id].conflicts.insert(0, conflict)
    notes = receipts_of_applied_sales(contexts, outcomes)
    _store(batch.terminal, {op_id: (outcome, by_id[op_id]) for op_id, outcome in outcomes.items()})
    # Ops of earlier batches that waited for a sale of this one.
    if waiting:
        earlier: dict[uuid.UUID, Outcome] = {}
        _settle_waiting(waiting, outcomes, earlier)
        _store(
            batch.terminal,
            {
                c.op.op_id: (o, c)
                for c in waiting
                if (o := earlier.get(c.op.op_id)) is not None and o.status != "pending"
            },
        )
    return outcomes, notes


def held_ops_apply(*, tenant: Any) -> int:
    """Apply the ops a shop's terminals uploaded while it was suspended (held ``pending`` with
    ``tenant_suspended``), terminal by terminal in seq order, as a push would have applied them.
    Called by ``tenant resume`` in its transaction, once the shop is active again: the shop
    resumes with its offline sales in the books, or not at all. Returns how many ops it took."""
    with tenant_context(tenant):
        rows = list(
            Op.objects.select_for_update()
            .filter(status=Op.Status.PENDING, code=HELD)
            .order_by("terminal_id", "seq")
        )
        now = timezone.now()
        terminals = Terminal.objects.in_bulk({row.terminal_id for row in rows})
        for terminal_id, terminal in sorted(terminals.items()):
            batch = BatchState(terminal=terminal, received_at=now, tenant=tenant)
            mine = [row for row in rows if row.terminal_id == terminal_id]
            contexts = [
                OpContext(
                    batch=batch, op=parse_op(0, row.payload), effective_at=row.effective_at or row.received_at
                )
                for row in mine
            ]
            clock = {row.op_id: row.conflicts[0] for row in mine if row.conflicts}
            _apply(batch, contexts, clock)
    return len(rows)


def _receipt_urls(ops: list[OpIn], results: dict[int, dict[str, Any]]) -> None:
    """Each sale the server holds gets its customer's receipt address in its result (protocol
    1.2), applied now or before (a duplicate), for the terminal to show as a link and QR code."""
    sales = {
        index: uuid.UUID(results[index]["id"])
        for index, op in enumerate(ops)
        if op.kind == "sale"
        and "id" in results[index]
        and (results[index]["status"] == "applied" or results[index].get("original_status") == "applied")
    }
    urls = receipt_urls(sale_ids=list(sales.values()))
    for index, sale_id in sales.items():
        results[index]["receipt_url"] = urls[sale_id]


def _run(contexts: list[OpContext]) -> dict[uuid.UUID, Outcome]:
    """Apply ops in seq order; consecutive sales go through the set-based path together."""
    outcomes: dict[uuid.UUID, Outcome] = {}
    sales: list[OpContext] = []  # the run of consecutive sales not applied yet
    for ctx in contexts:
        refused = _suspended(ctx)
        if refused is None and ctx.op.kind == "sale":
            sales.append(ctx)
            continue
        if sales:
            outcomes.update(apply_sales(sales))
            sales = []
        outcomes[ctx.op.op_id] = _apply_one(ctx) if refused is None else refused
    if sales:
        outcomes.update(apply_sales(sales))
    return outcomes


def _settle_waiting(
    ops: list[OpContext], sales: dict[uuid.UUID, Outcome], into: dict[uuid.UUID, Outcome]
) -> None:
    """Apply (or refuse) ops that wait for a sale, now that the sale's outcome is known."""
    for ctx in sorted(ops, key=lambda c: c.op.seq):
        waits_for = _waits_for(ctx.op)
        sale = sales.get(waits_for) if waits_for is not None else None
        if sale is None:
            continue
        if sale.status == "rejected":
            into[ctx.op.op_id] = Outcome.rejected(
                "sale_rejected",
                "The sale this op refers to was rejected.",
                {"sale_op_id": str(waits_for), "sale_code": sale.code},
            )
        elif sale.status == "applied":
            into[ctx.op.op_id] = _apply_one(ctx)


def _waits_for(op: OpIn) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(op.data.get("sale_op_id")))
    except ValueError:
        return None


def _waiting_on(sales: list[OpIn], batch: BatchState) -> list[OpContext]:
    """Pending ops of earlier batches waiting for one of these sales."""
    if not sales:
        return []
    rows = Op.objects.filter(status=Op.Status.PENDING, waits_for__any=[s.op_id for s in sales]).order_by(
        "seq"
    )
    return [
        OpContext(batch=batch, op=parse_op(0, row.payload), effective_at=row.effective_at or row.received_at)
        for row in rows
    ]


def _load_members(batch: BatchState, contexts: list[OpContext]) -> None:
    keys = []
    for ctx in contexts:
        cashier_id = cashier_id_of(ctx.op.data)
        if cashier_id is not None:
            keys.append((cashier_id, ctx.effective_at))
    batch.members = member_states_at(tenant_id=batch.tenant.pk, keys=keys)


def _suspended(ctx: OpContext) -> Outcome | None:
    """An op made while the shop is suspended already happened (a sale is money that changed
    hands): it is held, with its data, and applied when the shop resumes."""
    suspended_at = getattr(ctx.batch.tenant, "suspended_at", None)
    if suspended_at is not None and ctx.effective_at >= suspended_at:
        return Outcome(
            status="pending",
            code=HELD,
            message="The shop is suspended: this operation is held and applied when the shop resumes.",
        )
    return None


def _claim(terminal: Terminal, ops: list[OpIn], received_at: datetime) -> set[uuid.UUID]:
    """Insert the op rows; the ones inserted are this batch's to apply (unique op_id and seq)."""
    if not ops:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            # One JSON document for the whole batch: PostgreSQL splits it into rows itself, which
            # costs far less than binding hundreds of array elements.
            """
            INSERT INTO sync_op (op_id, terminal_id, seq, kind, digest, occurred_at, received_at,
                                 status, code, message, conflicts, payload)
            SELECT o.op_id, %s, o.seq, o.kind, o.digest, o.occurred_at, %s, 'pending', 'processing',
                   '', '[]'::jsonb, NULL
            FROM jsonb_to_recordset(%s::jsonb)
                 AS o(op_id uuid, seq bigint, kind text, digest text, occurred_at timestamptz)
            ON CONFLICT DO NOTHING
            RETURNING op_id
            """,
            [
                terminal.pk,
                received_at,
                orjson.dumps(
                    [
                        {
                            "op_id": str(op.op_id),
                            "seq": op.seq,
                            "kind": op.kind,
                            "digest": op.digest,
                            "occurred_at": op.at.isoformat(),
                        }
                        for op in ops
                    ]
                ).decode(),
            ],
        )
        return {row[0] for row in cursor.fetchall()}


def _lost_claim(terminal: Terminal, op: OpIn) -> dict[str, Any]:
    """The op row could not be inserted: another copy of the op, or another op with its seq."""
    original = Op.objects.filter(op_id=op.op_id).first()
    if original is not None:
        return _duplicate(op, original)
    return _result(
        op,
        Outcome.rejected(
            "seq_reused", "Another operation of this terminal already has this seq.", {"seq": op.seq}
        ),
    )


def _apply_one(ctx: OpContext) -> Outcome:
    # The envelope answered unknown kinds already (kind_unknown): every kind left has a handler.
    handler = HANDLERS[ctx.op.kind]
    try:
        with transaction.atomic():
            data = handler.validate(ctx.op)
            return handler.apply(ctx, data)
    except OpRejected as exc:
        return Outcome.rejected(exc.code, exc.message, exc.details)


def _store(terminal: Terminal, outcomes: dict[uuid.UUID, tuple[Outcome, OpContext]]) -> None:
    """Write the ops' outcomes to their rows (one statement) and their conflicts (one COPY).
    The op as uploaded is kept only when it was not applied."""
    if not outcomes:
        return
    rows = []
    conflicts: list[dict[str, Any]] = []
    for op_id, (outcome, ctx) in outcomes.items():
        rows.append(
            {
                "op_id": str(op_id),
                "status": outcome.status,
                "code": outcome.code,
                "message": outcome.message[:500],
                "result_id": str(outcome.result_id) if outcome.result_id else None,
                "conflicts": outcome.conflicts,
                "effective_at": ctx.effective_at.isoformat(),
                "waits_for": str(outcome.waits_for) if outcome.waits_for else None,
                "payload": ctx.op.raw if outcome.status != "applied" else None,
            }
        )
        conflicts += [
            {
                "kind": conflict["kind"],
                "terminal_id": terminal.pk,
                "op_id": op_id,
                "storefront_id": conflict.get("storefront_id") or terminal.storefront_id,
                "sale_id": conflict.get("sale_id"),
                "product_id": conflict.get("product_id"),
                "details": conflict,
                "status": Conflict.Status.OPEN,
                "resolution": "",
                "note": "",
            }
            for conflict in outcome.conflicts
            # A held op's conflicts are raised when it is applied.
            if outcome.code != HELD
        ]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE sync_op AS o SET status = v.status, code = v.code, message = v.message,
                   result_id = v.result_id, conflicts = v.conflicts, effective_at = v.effective_at,
                   waits_for = v.waits_for, payload = COALESCE(v.payload, o.payload)
            FROM jsonb_to_recordset(%s::jsonb) AS v(op_id uuid, status text, code text, message text,
                 result_id uuid, conflicts jsonb, effective_at timestamptz, waits_for uuid, payload jsonb)
            WHERE o.op_id = v.op_id
            """,
            [orjson.dumps(rows).decode()],
        )
    copy_rows(Conflict, conflicts)
