"""Receipts of sales uploaded by terminals: a sale op's data may carry the customer's contact
(``customer``, read by :func:`tenant_apps.receipts.services.customer_contact_parse`). Once the
sale is applied, its receipt is queued in the batch's transaction. A bad contact never refuses
the sale (it already happened): the op is applied and the problem comes back as a note in its
result."""

from __future__ import annotations

import uuid
from typing import Any

from django.db import transaction

from pos_platform.kernel.errors import ApplicationError
from sync.ops.base import OpContext, Outcome
from tenant_apps.receipts.services import customer_contact_parse, sale_receipts_send


def receipts_of_applied_sales(
    contexts: list[OpContext], outcomes: dict[uuid.UUID, Outcome]
) -> dict[uuid.UUID, list[dict[str, Any]]]:
    """Queue the receipts of the applied sale ops that name a customer; the notes per op id of
    the contacts that could not be used."""
    notes: dict[uuid.UUID, list[dict[str, Any]]] = {}
    for ctx in contexts:
        if ctx.op.kind != "sale" or ctx.op.data.get("customer") is None:
            continue
        outcome = outcomes.get(ctx.op.op_id)
        if outcome is None or outcome.status != "applied" or outcome.result_id is None:
            continue
        contact = customer_contact_parse(ctx.op.data["customer"])
        problems = list(contact.problems)
        try:
            with transaction.atomic():
                sale_receipts_send(sale_id=outcome.result_id, contact=contact, source="terminal")
        except ApplicationError as exc:
            problems.append({"field": "customer", "code": exc.code, "message": exc.message})
        if problems:
            notes[ctx.op.op_id] = [
                {
                    "code": "customer_contact_invalid",
                    "message": "The sale is applied; its receipt was not sent to this contact.",
                    "details": problem,
                }
                for problem in problems
            ]
    return notes
