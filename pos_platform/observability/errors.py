"""Error reporting through sentry-sdk, on when ``SENTRY_DSN`` is set (web, worker and beat).

Personal data is not sent (``send_default_pii`` off: no cookies, no user's email or address);
each event carries the request id and the tenant's slug as tags, to find the request's log lines.
"""

from __future__ import annotations

import logging
import os
from typing import Any


def _tag(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    from pos_platform.observability.logs import _request, _tenant_slug

    request = _request.get()
    if request is not None:
        tags = event.setdefault("tags", {})
        tags["request_id"] = getattr(request, "request_id", None)
        tags["tenant"] = _tenant_slug(request)
    return event


def sentry_init() -> bool:
    dsn = os.environ.get("SENTRY_DSN", "").strip()
    if not dsn:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    sentry_sdk.init(
        dsn=dsn,
        environment=os.environ.get("SENTRY_ENVIRONMENT", "production"),
        release=os.environ.get("POS_RELEASE") or None,
        send_default_pii=False,
        traces_sample_rate=float(os.environ.get("SENTRY_TRACES_SAMPLE_RATE", "0")),
        integrations=[
            DjangoIntegration(),
            CeleryIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
        before_send=_tag,  # type: ignore[arg-type]
    )
    return True
