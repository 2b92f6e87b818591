"""The database backend, and ``connection`` typed as the tenant-aware wrapper it is.

Import ``connection`` from here rather than from ``django.db`` where the schema is switched:
it is the same per-thread proxy, with ``set_tenant`` and friends visible to the type checker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from django.db import connection as _connection

if TYPE_CHECKING:
    from pos_platform.db.base import DatabaseWrapper

connection = cast("DatabaseWrapper", _connection)

__all__ = ["connection"]
