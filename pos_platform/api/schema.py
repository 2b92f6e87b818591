"""The OpenAPI schema generator's view inspector.

* A view's declared query parameters (``ApiView.query``) are listed for its method, so the
  schema shows exactly what is validated.
* A GET answered with a page (``page_of``) is a list operation (``…_list``), as DRF's generic
  list views are named.
* Every operation documents the error answers any endpoint may give, in the one error shape
  (:class:`ErrorOutput`), beside the ones it declares itself.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

from pos_platform.api.inputs import PageQuery


class ErrorOutput(serializers.Serializer):
    """Every error: a stable ``code`` (docs/errors.md), a message for a person, and details."""

    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.JSONField(allow_null=True)


# What any endpoint may answer besides its own declared responses.
COMMON_ERRORS = {
    "400": "Bad input (`invalid`, `field_unknown`, `text_invalid`, `query_invalid`, `body_too_deep`, ...); "
    "nothing changed.",
    "401": "Not signed in, or the credential is not valid here.",
    "403": "Not allowed (`permission_denied`, `mfa_enrollment_required`, `tenant_suspended`, ...).",
    "404": "No such object at this shop (`not_found`, ...).",
    "405": "`method_not_allowed`.",
    "406": "`not_acceptable`.",
    "409": "Conflicts with the current state.",
    "413": "The body is larger than allowed.",
    "415": "`unsupported_media_type`: send JSON.",
    "422": "Well formed but refused (`idempotency_key_reused`, ...).",
    "429": "`throttled`; `details.retry_after` and `Retry-After` say when to try again.",
    "503": "`busy` (nothing was saved; try again) or a service not configured.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        query = self._query()
        if query is not None:
            parameters.append(query)
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = dict(super()._get_response_bodies(direction))
        if direction == "response":
            for code, description in COMMON_ERRORS.items():
                if code not in responses:
                    responses[code] = self._get_response_for_code(
                        OpenApiResponse(ErrorOutput, description=description), code, direction=direction
                    )
        return responses

    def _query(self) -> Any:
        return getattr(self.view, "query", {}).get(self.method)

    def _is_list_view(self, serializer: Any = None) -> bool:
        query = self._query()
        if self.method == "GET" and isinstance(query, type) and issubclass(query, PageQuery):
            return False  # a page, not a bare array (its schema is page_of's)
        return bool(super()._is_list_view(serializer))

    def get_operation_id(self) -> str:
        operation_id = str(super().get_operation_id())
        query = self._query()
        if self.method == "GET" and isinstance(query, type) and issubclass(query, PageQuery):
            return operation_id.removesuffix("_retrieve") + "_list"
        return operation_id
