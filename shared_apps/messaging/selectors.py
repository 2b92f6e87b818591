from __future__ import annotations

from django.db.models import QuerySet

from shared_apps.messaging.models import Message


def messages_of_shop(
    *, tenant_id: int, status: str | None = None, kind: str | None = None, channel: str | None = None
) -> QuerySet[Message]:
    rows = Message.objects.filter(tenant_id=tenant_id).order_by("-created_at", "pk")
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(kind=kind)
    if channel:
        rows = rows.filter(channel=channel)
    return rows
