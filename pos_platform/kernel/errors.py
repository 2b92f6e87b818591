"""The one error hierarchy of the project.

Services raise an :class:`ApplicationError` subclass; the API renders it as
``{"code", "message", "details"}`` with the class's HTTP status, and the CLI prints the message and
exits with status 2. Codes are stable: clients branch on them (see docs/errors.md).

Messages are English, marked with ``gettext_noop`` so that the back office can show them in the
reader's language (``pos_platform.portal.errors.error_text``); the API and the CLI keep the English.
A message with values in it is a ``%(name)s`` template plus ``params``: ``message`` is the English
text, ``template`` and ``params`` are kept for translating it.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_noop


class ApplicationError(Exception):
    code = "error"
    status = 400
    default_message = gettext_noop("The request could not be processed.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        details: Any = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        self.template = message or self.default_message
        self.params = params
        self.message = self.template % params if params is not None else self.template
        if code is not None:
            self.code = code
        self.details = details
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class ValidationFailed(ApplicationError):
    code = "invalid"
    status = 400
    default_message = gettext_noop("The request is not valid.")


class Unprocessable(ApplicationError):
    code = "unprocessable"
    status = 422
    default_message = gettext_noop("The request is well formed but cannot be processed.")


class NotAuthenticated(ApplicationError):
    code = "not_authenticated"
    status = 401
    default_message = gettext_noop("Authentication credentials were not provided or are not valid.")


class PermissionDenied(ApplicationError):
    code = "permission_denied"
    status = 403
    default_message = gettext_noop("You do not have permission to perform this action.")


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
    default_message = gettext_noop("Not found.")


class Conflict(ApplicationError):
    code = "conflict"
    status = 409
    default_message = gettext_noop("The request conflicts with the current state.")


class PayloadTooLarge(ApplicationError):
    code = "payload_too_large"
    status = 413
    default_message = gettext_noop("The request is larger than allowed.")


class Throttled(ApplicationError):
    code = "throttled"
    status = 429
    default_message = gettext_noop("Too many requests; retry later.")


class ServiceUnavailable(ApplicationError):
    """Something the request needs is down for a while; nothing was saved. Answered with a
    ``Retry-After`` header of ``retry_after`` seconds."""

    code = "unavailable"
    status = 503
    default_message = gettext_noop(
        "The service is briefly unavailable; nothing was saved. Try again shortly."
    )
    retry_after = 5
