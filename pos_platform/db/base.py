"""django-tenants' PostgreSQL backend, issuing ``SET search_path`` only when the path changes.

The stock backend forgets the path on every ``set_tenant`` call, so a request that stays on the
schema the connection already uses still pays a ``SET search_path`` round trip. Here the path last
set on the connection is remembered and compared; a rollback (which undoes a ``SET``) and a
reconnect still clear it, as in the parent class.
"""

from __future__ import annotations

from typing import Any

from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper


class DatabaseWrapper(TenantDatabaseWrapper):
    search_path_set_schemas: list[str] | None
    _setting_search_path: bool

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        already_set = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        self.search_path_set_schemas = already_set

    def _handle_search_path(self, cursor: Any = None) -> None:
        if self._setting_search_path:
            return
        if self.search_path_set_schemas is not None and (
            self.search_path_set_schemas == self._get_cursor_search_paths()
        ):
            return
        super()._handle_search_path(cursor)
