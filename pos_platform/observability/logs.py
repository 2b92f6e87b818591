"""Request ids and the context of each log line: request id, tenant, user.

:class:`RequestContextMiddleware` gives each request an id (the proxy's ``X-Request-ID`` when it
is well formed, else a new one), answers it in ``X-Request-ID``, and writes one access line per
request (logger ``pos.request``: method, route, status, milliseconds). :class:`ContextFilter` adds
``request_id``, ``tenant`` and ``user`` to every record logged while the request runs (and the
tenant's schema and the task in a Celery task), so that the JSON formatter
(``LOG_FORMAT=json``, python-json-logger) prints them as fields.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject, empty

from pos_platform.observability.metrics import route_of

_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar("pos_request", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
access_log = logging.getLogger("pos.request")


def _user_id(request: HttpRequest) -> str | None:
    """The authenticated user's id, if authentication has run (never runs it: no query here)."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return str(user.pk)


def _tenant_slug(request: HttpRequest) -> str | None:
    tenant = request.__dict__.get("tenant")
    slug = getattr(tenant, "slug", None)
    return slug or None


class ContextFilter(logging.Filter):
    """Adds ``request_id``, ``tenant`` and ``user`` (None outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = _request.get()
        if request is not None:
            record.request_id = getattr(request, "request_id", None)
            record.tenant = _tenant_slug(request)
            record.user = _user_id(request)
        else:
            record.request_id = getattr(record, "request_id", None)
            record.tenant = getattr(record, "tenant", None) or _task_schema()
            record.user = getattr(record, "user", None)
            task = _task()
            if task is not None:
                record.task = task
        return True


def _task_schema() -> str | None:
    """In a Celery task: the schema it runs in (tenant-schemas-celery sets it)."""
    if _task() is None:
        return None
    from django.db import connection

    return getattr(connection, "schema_name", None)


def _task() -> str | None:
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a dependency
        return None
    task = current_task
    if task is None or not getattr(task, "request", None) or task.request.id is None:
        return None
    return f"{task.name}[{task.request.id}]"


class RequestContextMiddleware:
    """Outermost with the metrics: the request id, the log context, and the access line."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = offered if _REQUEST_ID.match(offered) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _request.set(request)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            access_log.info(
                "%s %s %s",
                request.method,
                route_of(request),
                response.status_code,
                extra={
                    "method": request.method,
                    "route": route_of(request),
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            _request.reset(token)


def json_formatter(**kwargs: Any) -> logging.Formatter:
    """python-json-logger's formatter with the fields every line carries."""
    from pythonjsonlogger.json import JsonFormatter

    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s %(tenant)s %(user)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
        **kwargs,
    )
