"""One exception handler: every API error is ``{"code", "message", "details"}``."""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response

from pos_platform.kernel.errors import ApplicationError
from pos_platform.kernel.transactions import DatabaseFault, database_fault, is_transient

logger = logging.getLogger(__name__)

# DRF's own exceptions, mapped to the project's stable codes.
_DRF_CODES: dict[type[drf.APIException], str] = {
    drf.ValidationError: "invalid",
    drf.ParseError: "malformed_request",
    drf.AuthenticationFailed: "authentication_failed",
    drf.NotAuthenticated: "not_authenticated",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "throttled",
}


def _fault_body(fault: DatabaseFault) -> dict[str, Any]:
    return {"code": fault.code, "message": fault.message, "details": {"retry_after": fault.retry_after}}


def error_response(
    code: str, message: str, status: int, details: Any = None, headers: dict[str, str] | None = None
) -> JsonResponse:
    """A plain Django response in the API error format, for middleware and non-DRF views."""
    response = JsonResponse({"code": code, "message": message, "details": details}, status=status)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        headers = {}
        if exc.status == 429 and isinstance(exc.details, dict) and "retry_after" in exc.details:
            headers["Retry-After"] = str(int(exc.details["retry_after"]))
        retry_after = getattr(exc, "retry_after", None)
        if retry_after is not None:
            headers["Retry-After"] = str(int(retry_after))
        return Response(exc.as_dict(), status=exc.status, headers=headers)
    fault = database_fault(exc) if isinstance(exc, DatabaseError) else None
    if fault is not None:
        logger.warning("database fault (%s): %s", fault.code, exc)
        return Response(_fault_body(fault), status=503, headers={"Retry-After": str(fault.retry_after)})
    if isinstance(exc, DatabaseError) and is_transient(exc):
        # Services retry these (kernel.transactions.retrying); one that still escapes means the
        # database is very busy: nothing was written, and the client may simply try again.
        return Response(
            {
                "code": "busy",
                "message": "The shop is very busy; nothing was saved. Try again.",
                "details": None,
            },
            status=503,
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    if not isinstance(exc, drf.APIException):
        return None  # a bug: let Django log it and answer 500

    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), "error")
    details: Any = None
    if isinstance(exc, drf.ValidationError):
        message = "The request is not valid; see details for each field."
        details = exc.detail
    else:
        message = str(exc.detail)
    headers = {}
    wait = getattr(exc, "wait", None)
    if isinstance(exc, drf.Throttled) and wait is not None:
        details = {"retry_after": int(wait) + 1}
        headers["Retry-After"] = str(details["retry_after"])
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = str(auth_header)
    return Response(
        {"code": code, "message": message, "details": details}, status=exc.status_code, headers=headers
    )


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return error_response("not_found", "No such endpoint.", 404)


def server_error_view(request: HttpRequest) -> JsonResponse:
    # Django calls this while handling the exception that escaped a view or a middleware: a fault
    # of the database (outside the API's handler: pages, routing) is a 503 with its code too.
    exc = sys.exc_info()[1]
    fault = database_fault(exc) if exc is not None else None
    if fault is not None:
        return error_response(
            fault.code,
            fault.message,
            503,
            {"retry_after": fault.retry_after},
            {"Retry-After": str(fault.retry_after)},
        )
    return error_response("server_error", "An unexpected error occurred; it has been logged.", 500)
