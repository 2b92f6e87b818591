"""The push engine: one batch in one transaction, each op atomic on its own.

1. The batch id is claimed (``INSERT ... ON CONFLICT DO NOTHING``): a second copy of a batch that
   is being applied waits for the first and then gets its stored answer.
2. The ops of the batch are looked up by ``op_id`` in one query: an op seen before is a
   ``duplicate`` (same content) or ``op_id_reused`` (different content; the original is kept).
3. New ops are claimed with one ``INSERT ... ON CONFLICT DO NOTHING`` on the op table (unique on
   ``op_id`` and on ``(terminal, seq)``): the database, not code, decides that an op is applied
   once, even when two copies of it arrive at the same moment.
4. Claimed ops are applied in ``seq`` order, each in a savepoint: one bad op is rejected with a
   reason and the others go on. A void or refund whose sale has not arrived is held ``pending``
   and applied when the sale comes.
5. The results are written back to the op rows and the batch response is stored.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from pos_platform.db import connection
from sync.clock import clock_offset, effective_time
from sync.envelope import BatchIn, OpIn
from sync.errors import BatchIdReused
from sync.models import Batch, Conflict, Op, Terminal
from sync.ops.base import HANDLERS, OpContext, OpRejected, Outcome

logger = logging.getLogger(__name__)


def push_batch(*, terminal: Terminal, batch: BatchIn, app_version: str = "") -> dict[str, Any]:
    """Apply a batch (or return the stored answer to a batch already applied)."""
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
                "ops, response) VALUES (%s, %s, %s, %s, %s, %s, '{}') "
                "ON CONFLICT DO NOTHING RETURNING id",
                [terminal.pk, batch.batch_id, batch.digest, received_at, batch.terminal_time, len(batch.ops)],
            )
            claimed = cursor.fetchone()
        if claimed is None:
            return _replay(Batch.objects.get(terminal=terminal, batch_id=batch.batch_id), batch)
        results = _apply_ops(terminal=terminal, ops=batch.ops, received_at=received_at, offset=offset)
        response = {
            "batch_id": str(batch.batch_id),
            "server_time": received_at.isoformat(),
            "results": results,
        }
        Batch.objects.filter(pk=claimed[0]).update(response=response)
        _touch_terminal(terminal, received_at=received_at, offset=offset, app_version=app_version)
    return response


def _replay(stored: Batch, batch: BatchIn) -> dict[str, Any]:
    if stored.digest != batch.digest:
        raise BatchIdReused(details={"batch_id": str(batch.batch_id)})
    return stored.response


def _touch_terminal(
    terminal: Terminal, *, received_at: datetime, offset: timedelta, app_version: str
) -> None:
    seq = (
        Op.objects.filter(terminal=terminal)
        .exclude(status=Op.Status.REJECTED)
        .order_by("-seq")
        .values_list("seq", flat=True)
        .first()
        or 0
    )
    fields = {
        "last_seen_at": received_at,
        "clock_offset_ms": int(offset.total_seconds() * 1000),
        "last_applied_seq": seq,
    }
    if app_version:
        fields["app_version"] = app_version[:40]
    Terminal.objects.filter(pk=terminal.pk).update(**fields)


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
    existing = {o.op_id: o for o in Op.objects.filter(op_id__in=[op.op_id for op in ops])}
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
    outcomes: dict[uuid.UUID, tuple[Outcome, datetime]] = {}
    for index, op in to_apply:
        timing = effective_time(occurred_at=op.occurred_at, received_at=received_at, offset=offset)  # type: ignore[arg-type]
        ctx = OpContext(
            terminal=terminal,
            op=op,
            received_at=received_at,
            effective_at=timing.effective_at,
            tenant=connection.tenant,
        )
        outcome = _apply_one(ctx)
        if timing.conflict is not None and outcome.status == "applied":
            outcome.conflicts.insert(0, timing.conflict)
        outcomes[op.op_id] = (outcome, timing.effective_at)
        results[index] = _result(op, outcome)
    _store(terminal, {op.op_id: op for _, op in to_apply}, outcomes)
    return [results[i] for i in range(len(ops))]


def _claim(terminal: Terminal, ops: list[OpIn], received_at: datetime) -> set[uuid.UUID]:
    """Insert the op rows; the ones inserted are this batch's to apply (unique op_id and seq)."""
    if not ops:
        return set()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO sync_op (op_id, terminal_id, seq, kind, digest, occurred_at, received_at,
                                 status, code, message, conflicts, payload)
            SELECT o.op_id, %s, o.seq, o.kind, o.digest, o.occurred_at, %s, 'pending', 'processing',
                   '', '[]'::jsonb, o.payload
            FROM unnest(%s::uuid[], %s::bigint[], %s::text[], %s::text[], %s::timestamptz[],
                        %s::jsonb[]) AS o(op_id, seq, kind, digest, occurred_at, payload)
            ON CONFLICT DO NOTHING
            RETURNING op_id
            """,
            [
                terminal.pk,
                received_at,
                [op.op_id for op in ops],
                [op.seq for op in ops],
                [op.kind for op in ops],
                [op.digest for op in ops],
                [op.occurred_at for op in ops],
                [Jsonb(op.raw) for op in ops],
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
    handler = HANDLERS.get(ctx.op.kind)
    if handler is None:
        return Outcome.rejected(
            "kind_unsupported", f"Operations of kind {ctx.op.kind!r} are not accepted by this server."
        )
    suspended_at = getattr(ctx.tenant, "suspended_at", None)
    if suspended_at is not None and ctx.effective_at >= suspended_at:
        return Outcome.rejected(
            "tenant_suspended",
            "The shop was suspended before this operation "
            "happened; only earlier offline operations are accepted.",
        )
    try:
        with transaction.atomic():
            data = handler.validate(ctx.op)
            return handler.apply(ctx, data)
    except OpRejected as exc:
        return Outcome.rejected(exc.code, exc.message, exc.details)


def _store(
    terminal: Terminal, ops: dict[uuid.UUID, OpIn], outcomes: dict[uuid.UUID, tuple[Outcome, datetime]]
) -> None:
    if not outcomes:
        return
    rows = list(Op.objects.filter(op_id__in=list(outcomes)))
    conflicts: list[Conflict] = []
    for row in rows:
        outcome, effective_at = outcomes[row.op_id]
        row.status = outcome.status
        row.code = outcome.code
        row.message = outcome.message[:500]
        row.result_id = outcome.result_id
        row.conflicts = outcome.conflicts
        row.effective_at = effective_at
        row.waits_for = outcome.waits_for
        for conflict in outcome.conflicts:
            conflicts.append(
                Conflict(
                    kind=conflict["kind"],
                    terminal=terminal,
                    op=row,
                    storefront_id=conflict.get("storefront_id") or terminal.storefront_id,
                    sale_id=conflict.get("sale_id"),
                    product_id=conflict.get("product_id"),
                    details=conflict,
                )
            )
    Op.objects.bulk_update(
        rows, ["status", "code", "message", "result_id", "conflicts", "effective_at", "waits_for"]
    )
    Conflict.objects.bulk_create(conflicts)
