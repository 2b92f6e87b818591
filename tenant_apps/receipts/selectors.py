from __future__ import annotations

import uuid
from typing import Any

from shared_apps.messaging.models import Message
from tenant_apps.receipts.models import ReceiptRequest


def receipt_requests_of(*, sale_id: uuid.UUID) -> list[dict[str, Any]]:
    """The sale's receipt requests with the delivery status of their messages."""
    requests = list(ReceiptRequest.objects.filter(sale_id=sale_id).order_by("created_at", "pk"))
    statuses = dict(
        Message.objects.filter(pk__in=[r.message_id for r in requests if r.message_id]).values_list(
            "pk", "status"
        )
    )
    return [
        {
            "channel": r.channel,
            "to": r.to,
            "source": r.source,
            "status": statuses.get(r.message_id, "queued") if r.message_id else "queued",
            "created_at": r.created_at,
        }
        for r in requests
    ]
