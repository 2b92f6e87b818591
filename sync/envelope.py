"""Reading a push: body limits, gzip, JSON, and the shape of a batch and its operations.

Anything that prevents answering per operation (bad gzip, bad JSON, no batch_id, an op without a
valid op_id, too many ops, too many bytes) fails the whole request and nothing is applied. Problems
inside one operation are that operation's rejection, answered in its result: a string of the op
holding a NUL, another control character or a lone surrogate (which PostgreSQL cannot store, or
no client means) rejects that op with ``text_invalid`` before anything else reads it.

A batch is identified by its ops: the same ``batch_id`` sent again with the same ops is the same
batch, whatever its ``terminal_time`` (a retry refreshes the device's clock).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from django.conf import settings
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_noop

from pos_platform.kernel.http import json_text_problem, text_printable
from sync.errors import BatchMalformed, BatchTooLarge, RequestTooLarge

# The operation kinds, each with the permission it needs (judged by the cashier's membership at
# the op's time): the one list of kinds (each has a handler in sync/ops).
OP_ACTIONS = {
    "sale": "sale.create",
    "void": "sale.void",
    "refund": "sale.refund",
    "stock_count": "stock.count",
    "stock_receive": "stock.receive",
    "cash_movement": "shift.operate",
    "shift_open": "shift.operate",
    "shift_close": "shift.operate",
}
OP_KINDS = tuple(OP_ACTIONS)


def canonical(value: Any) -> bytes:
    """A stable encoding of a JSON value (keys sorted), for content digests."""
    try:
        return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        # A lone surrogate cannot be encoded as UTF-8: such an op is rejected, but its digest
        # must still be stable (the same bytes sent again get the same answer).
        return json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":")).encode()


def digest_of(value: Any) -> str:
    return hashlib.sha256(canonical(value)).hexdigest()


@dataclass
class OpIn:
    op_id: uuid.UUID
    raw: dict[str, Any]
    kind: str = ""
    seq: int = 0
    occurred_at: datetime | None = None
    data: dict[str, Any] = field(default_factory=dict)
    # The content that makes an op "the same": kind, time and data (not its seq or batch).
    digest: str = ""
    # Set when the op itself is malformed: it is answered as rejected with this code.
    problem: tuple[str, str, Any] | None = None

    @property
    def at(self) -> datetime:
        """``occurred_at`` of an op without a ``problem`` (parse_op refuses one without a time)."""
        if self.occurred_at is None:
            raise ValueError(f"op {self.op_id} has no time: {self.problem}")
        return self.occurred_at


@dataclass
class BatchIn:
    batch_id: uuid.UUID
    terminal_time: datetime | None
    ops: list[OpIn]
    # The batch's identity: the digest of its ops (not of its terminal_time).
    digest: str
    # The digest of the whole document, as batches stored before were identified.
    document_digest: str = ""


def read_body(request: HttpRequest) -> bytes:
    """The request body, inflated if gzip-encoded, within the documented limits."""
    limit = settings.POS_SYNC_MAX_REQUEST_BYTES
    declared = request.META.get("CONTENT_LENGTH")
    if declared and declared.isdigit() and int(declared) > limit:
        raise RequestTooLarge(details={"limit_bytes": limit})
    body = request.read(limit + 1)
    if len(body) > limit:
        raise RequestTooLarge(details={"limit_bytes": limit})
    encoding = request.META.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding != "gzip":
        raise BatchMalformed(
            gettext_noop("Content-Encoding %(encoding)s is not supported; use gzip."),
            code="encoding_unsupported",
            params={"encoding": f"{encoding!r}"},
        )
    inflated_limit = settings.POS_SYNC_MAX_INFLATED_BYTES
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        inflated = inflater.decompress(body, inflated_limit + 1)
    except zlib.error as exc:
        raise BatchMalformed(gettext_noop("The body is not valid gzip."), code="gzip_invalid") from exc
    if len(inflated) > inflated_limit or inflater.unconsumed_tail:
        raise RequestTooLarge(
            gettext_noop("The inflated body is larger than allowed; split the batch."),
            details={"limit_bytes": inflated_limit},
        )
    if not inflater.eof:
        raise BatchMalformed(gettext_noop("The gzip stream is truncated."), code="gzip_invalid")
    return inflated


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = parse_datetime(value)
        # In UTC: PostgreSQL refuses offsets past ±15:59 that Python takes; out of range either way
        # (year 1 east of UTC) is not a time.
        return None if parsed is None or parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def _int64(text: str) -> int:
    value = int(text)
    if not -(2**63) <= value < 2**64:
        raise ValueError(text)
    return value


def _no_constant(text: str) -> Any:
    raise ValueError(text)


# What may stand for a character that text_problem refuses, in JSON text orjson accepted (valid
# UTF-8): a raw C0 control other than tab, line feed and carriage return, DEL, a C1 control (two
# bytes in UTF-8, lead byte 0xC2), or an escape that can make one (\b, \f, \uXXXX). Where the
# body has none, no string of it is refused, and the ops need not be walked one by one (about a
# fifth of the parsing time of a batch of 200 sales).
_MAYBE_REFUSED = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]|\\[bfu]")


def _load(body: bytes) -> tuple[Any, bool]:
    """The document, and whether its text is known clean (see ``_MAYBE_REFUSED``)."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        # orjson refuses a lone surrogate (an escape such as \ud800); Python's parser takes it,
        # so that the op holding it is rejected on its own rather than the whole batch. What
        # orjson refuses besides (NaN, integers past 64 bits) stays refused.
        try:
            lenient = json.loads(body, parse_int=_int64, parse_constant=_no_constant)
        except ValueError:
            lenient = None
        if lenient is None or json_text_problem(lenient) is None:
            raise BatchMalformed(gettext_noop("The body is not valid JSON."), code="json_invalid") from exc
        return lenient, False
    return document, _MAYBE_REFUSED.search(body) is None


def parse_batch(body: bytes) -> BatchIn:
    document, clean = _load(body)
    if not isinstance(document, dict):
        raise BatchMalformed(gettext_noop("The body must be a JSON object."))
    try:
        batch_id = uuid.UUID(str(document.get("batch_id")))
    except ValueError as exc:
        raise BatchMalformed(gettext_noop("batch_id must be a UUID."), details={"field": "batch_id"}) from exc
    terminal_time = None
    if document.get("terminal_time") is not None:
        terminal_time = _time(document["terminal_time"])
        if terminal_time is None:
            raise BatchMalformed(
                gettext_noop("terminal_time must be an ISO 8601 time with a UTC offset."),
                details={"field": "terminal_time"},
            )
    ops = document.get("ops")
    if not isinstance(ops, list):
        raise BatchMalformed(gettext_noop("ops must be a list."), details={"field": "ops"})
    if len(ops) > settings.POS_SYNC_MAX_OPS:
        raise BatchTooLarge(details={"limit_ops": settings.POS_SYNC_MAX_OPS, "ops": len(ops)})
    parsed = [parse_op(i, op, clean=clean) for i, op in enumerate(ops)]
    return BatchIn(
        batch_id=batch_id,
        terminal_time=terminal_time,
        ops=parsed,
        digest=digest_of({"ops": ops}),
        document_digest=digest_of(document),
    )


def parse_op(index: int, op: Any, *, clean: bool = False) -> OpIn:
    """One op of a batch; ``clean``: its text is known to hold nothing that text_problem refuses."""
    if not isinstance(op, dict):
        raise BatchMalformed(
            gettext_noop("ops[%(index)s] must be an object."),
            details={"index": index},
            params={"index": index},
        )
    try:
        op_id = uuid.UUID(str(op.get("op_id")))
    except ValueError as exc:
        raise BatchMalformed(
            gettext_noop("ops[%(index)s].op_id must be a UUID."),
            details={"index": index},
            params={"index": index},
        ) from exc
    parsed = OpIn(op_id=op_id, raw=op)
    kind, seq, data = op.get("kind"), op.get("seq"), op.get("data")
    occurred_at = _time(op.get("occurred_at"))
    parsed.digest = digest_of({"kind": kind, "occurred_at": op.get("occurred_at"), "data": data})
    text = None if clean else json_text_problem(op)
    if text is not None:
        where, reason = text
        where = text_printable(where)
        parsed.problem = (
            "text_invalid",
            f"{where} {reason}; send text without control characters.",
            {"field": where},
        )
    elif kind not in OP_KINDS:
        parsed.problem = ("kind_unknown", f"kind must be one of {', '.join(OP_KINDS)}.", {"kind": kind})
    elif isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq < 2**62:
        parsed.problem = ("seq_invalid", "seq must be a positive integer.", {"seq": seq})
    elif occurred_at is None:
        parsed.problem = (
            "occurred_at_invalid",
            "occurred_at must be an ISO 8601 time with a UTC offset.",
            None,
        )
    elif not isinstance(data, dict):
        parsed.problem = ("data_invalid", "data must be an object.", None)
    else:
        parsed.kind, parsed.seq, parsed.occurred_at, parsed.data = kind, seq, occurred_at, data
    return parsed
