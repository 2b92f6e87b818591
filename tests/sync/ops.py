"""Builders of terminal operations and batches for the sync tests."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import uuid
from typing import Any

from django.utils import timezone


def iso(at: dt.datetime) -> str:
    return at.isoformat()


def op(
    kind: str,
    seq: int,
    data: dict[str, Any],
    *,
    at: dt.datetime | None = None,
    op_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    return {
        "op_id": str(op_id or uuid.uuid4()),
        "kind": kind,
        "seq": seq,
        "occurred_at": iso(at or timezone.now() - dt.timedelta(minutes=10)),
        "data": data,
    }


def sale(
    seq: int,
    *,
    cashier: Any,
    lines: list[tuple[Any, str]],
    pay: str | None = None,
    receipt: str | None = None,
    at: dt.datetime | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A cash sale of ``lines`` [(product, quantity)] paid ``pay`` (default: enough)."""
    data: dict[str, Any] = {
        "cashier_id": str(cashier.user.pk),
        "receipt_number": receipt or f"ACC-T1-{seq:06d}",
        "lines": [{"product_id": str(p.pk), "quantity": q} for p, q in lines],
        "payments": [{"method": "cash", "amount": pay or "1000.00"}],
        **extra,
    }
    return op("sale", seq, data, at=at)


def void(seq: int, *, sale_op: dict[str, Any], by: Any, reason: str = "mistake", **kw: Any) -> dict[str, Any]:
    """A void, by member ``by``, of the sale made by op ``sale_op``."""
    data = {"sale_op_id": sale_op["op_id"], "cashier_id": str(by.user.pk), "reason": reason}
    return op("void", seq, data, **kw)


def refund(
    seq: int,
    *,
    sale_op: dict[str, Any],
    by: Any,
    lines: list[tuple[int, str]],
    reason: str = "returned",
    **kw: Any,
) -> dict[str, Any]:
    """A refund, by member ``by``, of ``lines`` [(line position, quantity)] of op ``sale_op``'s sale."""
    data = {
        "sale_op_id": sale_op["op_id"],
        "cashier_id": str(by.user.pk),
        "reason": reason,
        "lines": [{"line": line, "quantity": quantity} for line, quantity in lines],
    }
    return op("refund", seq, data, **kw)


def batch(
    *ops: dict[str, Any], terminal_time: dt.datetime | None = None, batch_id: uuid.UUID | None = None
) -> dict[str, Any]:
    return {
        "batch_id": str(batch_id or uuid.uuid4()),
        "terminal_time": iso(terminal_time or timezone.now()),
        "ops": list(ops),
    }


def push(client: Any, body: dict[str, Any], *, compress: bool = True) -> Any:
    raw = json.dumps(body).encode()
    if compress:
        return client.generic(
            "POST",
            "/api/v1/sync/push",
            gzip.compress(raw),
            content_type="application/json",
            HTTP_CONTENT_ENCODING="gzip",
        )
    return client.generic("POST", "/api/v1/sync/push", raw, content_type="application/json")


def results(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    return response.json()["results"]
