"""Idempotency keys: the first request with a key claims it; its response is stored with it.

The claim is an ``INSERT ... ON CONFLICT DO NOTHING`` on a unique (actor, key) in the same
transaction as the work: a concurrent request with the same key waits for the first to commit
(or roll back) and then replays its response (or does the work itself). Only successful
responses are stored: a refused request changes nothing, so a retry runs again.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone
from psycopg.types.json import Jsonb

from pos_platform.db import bound_cursor
from tenant_apps.idempotency.models import IdempotentRequest

_CLAIM_SQL = """
INSERT INTO idempotency_request (actor_id, key, scope, request_hash, created_at)
VALUES (%s, %s, %s, %s, %s)
ON CONFLICT (actor_id, key) DO NOTHING
RETURNING id
"""


def idempotency_claim(
    *, actor_id: uuid.UUID, key: str, scope: str, request_hash: str
) -> tuple[int | None, IdempotentRequest | None]:
    """(claim id, None) when this request claimed the key; (None, stored request) otherwise."""
    with bound_cursor() as cursor:
        cursor.execute(_CLAIM_SQL, [actor_id, key, scope, request_hash, timezone.now()])
        row = cursor.fetchone()
    if row is not None:
        return row[0], None
    return None, IdempotentRequest.objects.get(actor_id=actor_id, key=key)


def idempotency_store(*, claim_id: int, status: int, body: Any) -> None:
    with bound_cursor() as cursor:
        cursor.execute(
            "UPDATE idempotency_request SET status = %s, body = %s WHERE id = %s",
            [status, Jsonb(body), claim_id],
        )


@transaction.atomic
def idempotency_purge(*, older_than: dt.timedelta = dt.timedelta(days=2)) -> int:
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
