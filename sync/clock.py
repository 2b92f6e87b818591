"""Two clocks: the device's ``occurred_at`` and the server's ``received_at``.

Each batch estimates the terminal's clock offset (server time minus the terminal's
``terminal_time``, network delay ignored). An op's *effective* time is its ``occurred_at``
corrected by that offset when the offset exceeds the tolerance. An effective time in the future
(beyond the tolerance) or older than the maximum age is clamped to ``received_at`` and flagged as a
``clock_skew`` conflict. The device's ``occurred_at`` is always kept as sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from tenant_apps.shop.services import clock_tolerance


@dataclass(frozen=True)
class Timing:
    effective_at: datetime
    # The clock_skew conflict when the time was clamped.
    conflict: dict[str, Any] | None


def clock_offset(*, received_at: datetime, terminal_time: datetime | None) -> timedelta:
    if terminal_time is None:
        return timedelta(0)
    return received_at - terminal_time


def effective_time(*, occurred_at: datetime, received_at: datetime, offset: timedelta) -> Timing:
    tolerance = clock_tolerance()
    max_age = timedelta(days=settings.POS_SYNC_MAX_AGE_DAYS)
    corrected = occurred_at + offset if abs(offset) > tolerance else occurred_at
    reason = None
    if corrected > received_at + tolerance:
        reason = "future"
    elif corrected < received_at - max_age:
        reason = "too_old"
    if reason is None:
        return Timing(effective_at=corrected, conflict=None)
    return Timing(
        effective_at=received_at,
        conflict={
            "kind": "clock_skew",
            "reason": reason,
            "occurred_at": occurred_at.isoformat(),
            "received_at": received_at.isoformat(),
            "offset_ms": int(offset.total_seconds() * 1000),
            "clamped_to": received_at.isoformat(),
        },
    )
