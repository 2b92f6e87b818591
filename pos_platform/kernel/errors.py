"""The one error hierarchy of the project.

Services raise an :class:`ApplicationError` subclass; the API renders it as
``{"code", "message", "details"}`` with the class's HTTP status, and the CLI prints the message and
exits with status 2. Codes are stable: clients branch on them (see docs/errors.md).
"""

from __future__ import annotations

from typing import Any


class ApplicationError(Exception):
    code = "error"
    status = 400
    default_message = "The request could not be processed."

    def __init__(self, message: str | None = None, *, code: str | None = None, details: Any = None) -> None:
        self.message = message or self.default_message
        if code is not None:
            self.code = code
        self.details = details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class ValidationFailed(ApplicationError):
    code = "invalid"
    status = 400
    default_message = "The request is not valid."


class Unprocessable(ApplicationError):
    code = "unprocessable"
    status = 422
    default_message = "The request is well formed but cannot be processed."


class NotAuthenticated(ApplicationError):
    code = "not_authenticated"
    status = 401
    default_message = "Authentication credentials were not provided or are not valid."


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403
    default_message = "You do not have permission to perform this action."


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
    default_message = "Not found."


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
    default_message = "The request conflicts with the current state."


class PayloadTooLarge(ApplicationError):
    code = "payload_too_large"
    status = 413
    default_message = "The request is larger than allowed."


class Throttled(ApplicationError):
    code = "throttled"
    status = 429
    default_message = "Too many requests; retry later."


class ServiceUnavailable(ApplicationError):
    """Something the request needs is down for a while; nothing was saved. Answered with a
    ``Retry-After`` header of ``retry_after`` seconds."""

    code = "unavailable"
    status = 503
    default_message = "The service is briefly unavailable; nothing was saved. Try again shortly."
    retry_after = 5
