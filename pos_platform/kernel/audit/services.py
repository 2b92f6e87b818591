from __future__ import annotations

import uuid
from typing import Any

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.models import AuditEvent


def audit_record(
    *,
    action: str,
    actor: Actor | None = None,
    actor_id: uuid.UUID | None = None,
    actor_label: str = "",
    object_type: str = "",
    object_id: str | uuid.UUID = "",
    storefront_id: uuid.UUID | None = None,
    ip: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record an event in the current tenant's schema (the caller's transaction).

    ``actor`` gives the actor's id, label and address at once; callers without an
    :class:`Actor` (sign-in attempts, terminals) pass those fields one by one.
    """
    if actor is not None:
        actor_id, actor_label, ip = actor.user_id, actor.label, actor.ip
    return AuditEvent.objects.create(
        action=action,
        actor_id=actor_id,
        actor_label=actor_label,
        object_type=object_type,
        object_id=str(object_id),
        storefront_id=storefront_id,
        ip=ip,
        details=details or {},
    )
