"""The OpenAPI schema generator's view inspector.

* A view's declared query parameters (``ApiView.query``) are listed for its method, so the
  schema shows exactly what is validated.
* A GET answered with a page (``page_of``) is a list operation (``…_list``), as DRF's generic
  list views are named.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from pos_platform.api.inputs import PageQuery


class AutoSchema(SpectacularAutoSchema):
    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        query = self._query()
        if query is not None:
            parameters.append(query)
        return parameters

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
