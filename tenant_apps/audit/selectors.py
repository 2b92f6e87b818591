from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import QuerySet

from pos_platform.kernel.audit.models import AuditEvent


def audit_event_list(
    *,
    action: str = "",
    actor_id: uuid.UUID | None = None,
    object_type: str = "",
    object_id: str = "",
    storefront_id: uuid.UUID | None = None,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
) -> QuerySet[AuditEvent]:
    """The tenant's audit log, newest first (ties broken by id for stable pages). ``action`` is
    exact, or an area when it ends with a dot (``auth.``); ``since`` inclusive, ``until`` not."""
    events = AuditEvent.objects.order_by("-at", "-id")
    if action:
        events = (
            events.filter(action__startswith=action) if action.endswith(".") else events.filter(action=action)
        )
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if storefront_id is not None:
        events = events.filter(storefront_id=storefront_id)
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    return events
