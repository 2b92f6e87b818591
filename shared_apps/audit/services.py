from __future__ import annotations

from typing import Any

from shared_apps.audit.models import PlatformAuditEntry


def platform_audit_record(
    *, actor: str, action: str, tenant_slug: str = "", details: dict[str, Any] | None = None
) -> PlatformAuditEntry:
    return PlatformAuditEntry.objects.create(
        actor=actor, action=action, tenant_slug=tenant_slug, details=details or {}
    )
