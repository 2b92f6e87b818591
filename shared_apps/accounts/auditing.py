"""Security events of accounts, written to the audit log of the tenant being served."""

from __future__ import annotations

import uuid
from typing import Any

from django_tenants.utils import get_public_schema_name

from pos_platform.db import connection
from pos_platform.kernel.audit.models import AuditEvent
from pos_platform.kernel.audit.services import audit_record
from shared_apps.accounts.models import User
from shared_apps.accounts.throttling import FailureThrottle


def account_audit(
    action: str,
    *,
    actor: User | None = None,
    actor_label: str = "",
    ip: str | None = None,
    object_type: str = "",
    object_id: str | uuid.UUID = "",
    storefront_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent | None:
    """Record in the current tenant's audit log; outside a tenant (CLI, platform) there is none."""
    if connection.schema_name == get_public_schema_name():
        return None
    return audit_record(
        action=action,
        actor_id=actor.pk if actor is not None else None,
        actor_label=actor_label or (actor.email if actor is not None else ""),
        object_type=object_type,
        object_id=object_id,
        storefront_id=storefront_id,
        ip=ip,
        details=details,
    )


def failure_record(
    throttle: FailureThrottle,
    action: str,
    *,
    account: str | None,
    ip: str | None,
    step: str,
    actor: User | None,
    actor_label: str = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Count a failed attempt (wrong password or code) against ``account`` and ``ip``, audit it
    as ``action``, and audit each lock it caused as ``auth.lockout`` of ``step``."""
    locked = throttle.fail(account=account, ip=ip)
    account_audit(action, actor=actor, actor_label=actor_label, ip=ip, details=details)
    for kind in locked:
        account_audit(
            "auth.lockout", actor=actor, actor_label=actor_label, ip=ip, details={"step": step, "by": kind}
        )
