"""The outbox's Celery tasks, on the public schema: deliver one message (the kick after commit)
and sweep every due message (beat, every minute). Both are safe to run twice."""

from __future__ import annotations

from typing import Any

from django_tenants.utils import get_public_schema_name, schema_context

from pos_platform.celery import app
from shared_apps.messaging.services import message_deliver, messages_sweep


@app.task(name="messaging.deliver", acks_late=True)
def deliver(message_id: str) -> str:
    with schema_context(get_public_schema_name()):
        return message_deliver(message_id=message_id)


@app.task(name="messaging.sweep")
def sweep() -> dict[str, Any]:
    with schema_context(get_public_schema_name()):
        return messages_sweep().as_dict()
