from __future__ import annotations

from django.db.models import QuerySet

from pos_platform.kernel.audit.models import AuditEvent


def audit_event_list() -> QuerySet[AuditEvent]:
    """The tenant's audit log, newest first (ties broken by id for stable pages)."""
    return AuditEvent.objects.order_by("-at", "-id")
