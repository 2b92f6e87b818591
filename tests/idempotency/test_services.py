"""Idempotency keys are claimed once and forgotten after two days."""

from __future__ import annotations

import datetime as dt
import uuid

from django.utils import timezone

from pos_platform.db import connection
from shared_apps.tenants.models import Tenant
from tenant_apps.idempotency.models import IdempotentRequest
from tenant_apps.idempotency.services import idempotency_claim, idempotency_purge, idempotency_store


def claim(actor_id: uuid.UUID, key: str) -> tuple[int | None, IdempotentRequest | None]:
    return idempotency_claim(actor_id=actor_id, key=key, scope="POST /api/v1/sales", request_hash="h")


def test_a_key_is_claimed_once_and_replays_what_was_stored(tenant_a: Tenant) -> None:
    connection.set_tenant(tenant_a)
    actor = uuid.uuid4()

    claim_id, stored = claim(actor, "k")
    assert claim_id is not None
    assert stored is None
    idempotency_store(claim_id=claim_id, status=201, body={"id": "x"})
    again_id, again = claim(actor, "k")
    other_id, _ = claim(uuid.uuid4(), "k")  # keys are per actor

    assert again_id is None
    assert again is not None
    assert (again.status, again.body) == (201, {"id": "x"})
    assert other_id is not None
    assert IdempotentRequest.objects.count() == 2


def test_purge_forgets_keys_older_than_two_days_only(tenant_a: Tenant) -> None:
    connection.set_tenant(tenant_a)
    actor = uuid.uuid4()
    for key in ("old", "recent"):
        claim(actor, key)
    IdempotentRequest.objects.filter(key="old").update(
        created_at=timezone.now() - dt.timedelta(days=2, hours=1)
    )
    IdempotentRequest.objects.filter(key="recent").update(created_at=timezone.now() - dt.timedelta(days=1))

    assert idempotency_purge() == 1

    assert list(IdempotentRequest.objects.values_list("key", flat=True)) == ["recent"]
    assert claim(actor, "old")[0] is not None  # a forgotten key can be used again
