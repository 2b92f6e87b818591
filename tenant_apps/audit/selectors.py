from __future__ import annotations

from django.db.models import QuerySet

from tenant_apps.audit.models import AuditEvent


def audit_event_list() -> QuerySet[AuditEvent]:
    """The tenant's audit log, newest first (ties broken by id for stable pages)."""
    return AuditEvent.objects.order_by("-at", "-id")
