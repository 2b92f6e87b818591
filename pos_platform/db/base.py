"""django-tenants' PostgreSQL backend with two ways of routing a connection to a tenant's schema.

``POOLING = "session"`` (the default; a direct connection or a pooler in session mode): the
``search_path`` is a session setting. The stock backend forgets it on every ``set_tenant`` call, so
a request that stays on the schema the connection already uses still pays a ``SET search_path``
round trip; here the path last set on the connection is remembered and compared. A rollback
(which undoes a ``SET``) and a reconnect still clear it, as in the parent class.

``POOLING = "transaction"`` (PgBouncer in transaction mode): each transaction may run on another
server connection, so no session state may be relied on or left behind. The path is never set for
the session: every transaction that uses a tenant's schema starts with ``SET LOCAL search_path``
(undone by PostgreSQL at commit or rollback, so a server connection always goes back to the pool
on the role's default path, ``public``). A statement issued outside a transaction on a tenant's
schema is run in a transaction of its own for the same reason (``BEGIN; SET LOCAL`` in one round
trip, the statement, ``COMMIT``). Requests are not wrapped in a transaction:
their services keep the transactions, savepoints and deadlock retries they have without a pooler,
and a server connection is held only while a transaction runs, never while a view renders.
Tested through a real PgBouncer in ``tests/platform/pooling/``; its cost is measured by
``bench/pooling.py``.

A PostgreSQL backend keeps every relation it has touched in its catalog caches for as long as it
lives, so a long-lived connection of a worker that serves thousands of shops grows with each shop
(``bench/scale.py`` measures it). In session mode the connection counts the tenant schemas it has
used; at the end of a request, once they reach ``POS_DB_RECYCLE_AFTER_SCHEMAS``, it is closed like
one past ``CONN_MAX_AGE``, and the next request opens a fresh backend. (Celery's Django fixup
already closes the connection after every task.) Behind PgBouncer in transaction mode the
backends are PgBouncer's: its ``server_lifetime`` bounds them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django_tenants.postgresql_backend.base import DatabaseWrapper as TenantDatabaseWrapper
from django_tenants.utils import get_public_schema_name, quote_schema_name
from psycopg import pq

from pos_platform.db.schema import DatabaseSchemaEditor

SESSION = "session"
TRANSACTION = "transaction"
# The transaction's path is not known (a savepoint rollback may have undone a SET LOCAL).
_UNKNOWN: list[str] = ["<unknown>"]


class _PooledCursorMixin:
    """Statements of a cursor on a transaction-pooled connection: each runs in a transaction
    whose ``search_path`` is the tenant's."""

    db: DatabaseWrapper
    cursor: Any

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.db.statement_transaction(self):
            return super().execute(sql, params)  # type: ignore[misc]

    def executemany(self, sql: Any, param_list: Any) -> Any:
        # One statement at a time: psycopg runs executemany in pipeline mode, which PgBouncer 1.18
        # mishandles (see DatabaseWrapper.statement_transaction).
        with self.db.statement_transaction(self):
            for params in param_list:
                super().execute(sql, params)  # type: ignore[misc]


class PooledCursorWrapper(_PooledCursorMixin, CursorWrapper):
    pass


class PooledCursorDebugWrapper(_PooledCursorMixin, CursorDebugWrapper):
    pass


class DatabaseWrapper(TenantDatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor
    search_path_set_schemas: list[str] | None
    _setting_search_path: bool

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The path SET LOCAL in the current transaction (transaction pooling); None: the role's
        # default, public.
        self.local_search_path: list[str] | None = None
        # The tenant schemas this connection's backend has used since it was opened.
        self.schemas_touched: set[str] = set()
        super().__init__(*args, **kwargs)
        self.pooling = str(self.settings_dict.get("POOLING") or SESSION)
        if self.pooling not in (SESSION, TRANSACTION):
            raise ValueError(f"POOLING must be {SESSION!r} or {TRANSACTION!r}, not {self.pooling!r}")

    @property
    def transaction_pooling(self) -> bool:
        return self.pooling == TRANSACTION

    # -- session mode ------------------------------------------------------------------------

    def set_tenant(self, tenant: Any, include_public: bool = True) -> None:
        already_set = self.search_path_set_schemas
        super().set_tenant(tenant, include_public)
        self.search_path_set_schemas = already_set

    def _handle_search_path(self, cursor: Any = None) -> None:
        if self.schema_name != get_public_schema_name():
            self.schemas_touched.add(self.schema_name)
        if self.transaction_pooling:
            # Never a session SET; a cursor opened inside a transaction (a COPY on the raw
            # cursor bypasses the wrapper's execute) gets the transaction's path now.
            if cursor is not None and not self.get_autocommit():
                self.local_path_ensure(cursor)
            return
        if self._setting_search_path:
            return
        if self.search_path_set_schemas is not None and (
            self.search_path_set_schemas == self._get_cursor_search_paths()
        ):
            return
        super()._handle_search_path(cursor)

    # -- transaction mode --------------------------------------------------------------------

    def make_cursor(self, cursor: Any) -> Any:
        if self.transaction_pooling:
            return PooledCursorWrapper(cursor, self)
        return super().make_cursor(cursor)

    def make_debug_cursor(self, cursor: Any) -> Any:
        if self.transaction_pooling:
            return PooledCursorDebugWrapper(cursor, self)
        return super().make_debug_cursor(cursor)

    def _wanted_path(self) -> list[str] | None:
        """The path this connection's schema needs; None for the public schema alone, which is
        the role's default and needs no statement."""
        paths = self._get_cursor_search_paths()
        return None if paths == [get_public_schema_name()] else paths

    @contextmanager
    def statement_transaction(self, cursor: Any) -> Iterator[None]:
        """Around one statement: in a transaction, make sure its path is set; outside one, on a
        tenant's schema, run the statement in a transaction of its own.

        The latter is ``BEGIN; SET LOCAL search_path`` (one round trip: the simple protocol takes
        both), the statement, then ``COMMIT``, on the driver's connection: Django stays in
        autocommit mode and sees one statement, as it would without a pooler. A failing
        statement's transaction is rolled back before its error (Django's) goes up."""
        if not self.transaction_pooling or self._setting_search_path:
            yield
            return
        if not self.get_autocommit():
            self.local_path_ensure(cursor)
            yield
            return
        wanted = self._wanted_path()
        if wanted is None:
            yield  # public: the role's default path, and no session state to fear
            return
        native = self.connection
        # Three round trips, not one pipeline: psycopg's pipeline mode ends with a Flush after its
        # Sync, which PgBouncer 1.18 forwards on a server connection it then keeps for this
        # client (no ReadyForQuery follows), starving the pool (seen in tests/platform/pooling).
        native.execute(f"BEGIN; SET LOCAL search_path = {self._path_sql(wanted)}")
        try:
            yield
        except BaseException:
            if not native.closed and native.info.transaction_status != pq.TransactionStatus.IDLE:
                native.execute("ROLLBACK")
            raise
        native.execute("COMMIT")

    @staticmethod
    def _path_sql(paths: list[str]) -> str:
        return ", ".join(quote_schema_name(s) for s in paths)

    def local_path_ensure(self, cursor: Any) -> None:
        """``SET LOCAL search_path`` in the current transaction unless it is set already."""
        if not self.transaction_pooling or self._setting_search_path or self.get_autocommit():
            return
        wanted = self._wanted_path()
        if wanted == self.local_search_path and self.local_search_path is not _UNKNOWN:
            return
        path = self._path_sql(wanted or [get_public_schema_name()])
        self._setting_search_path = True
        try:
            # Through Django's wrapper when given one, so that query counts include it.
            if isinstance(cursor, CursorWrapper):
                CursorWrapper.execute(cursor, f"SET LOCAL search_path = {path}")
            else:
                cursor.execute(f"SET LOCAL search_path = {path}")
        finally:
            self._setting_search_path = False
        self.local_search_path = wanted

    def _set_autocommit(self, autocommit: bool) -> None:
        # A transaction starts or ends: nothing of the previous one's path is left.
        self.local_search_path = None
        super()._set_autocommit(autocommit)

    def commit(self) -> None:
        self.local_search_path = None
        super().commit()

    def rollback(self) -> None:
        self.local_search_path = None
        super().rollback()

    def savepoint_rollback(self, sid: Any) -> None:
        try:
            super().savepoint_rollback(sid)
        finally:
            # ROLLBACK TO SAVEPOINT undoes a SET LOCAL issued after the savepoint, and brings
            # back whichever path was in force before it.
            self.local_search_path = _UNKNOWN

    def close(self) -> None:
        self.local_search_path = None
        super().close()
        if self.connection is None:
            self.schemas_touched = set()

    # -- recycling -------------------------------------------------------------------------

    def recycle_due(self) -> bool:
        """True when this connection has used ``POS_DB_RECYCLE_AFTER_SCHEMAS`` tenant schemas
        (session mode only; 0 or unset: never)."""
        limit = getattr(settings, "POS_DB_RECYCLE_AFTER_SCHEMAS", 0)
        return bool(limit) and not self.transaction_pooling and len(self.schemas_touched) >= limit

    def close_if_unusable_or_obsolete(self) -> None:
        # Called by Django at the start and end of each request, never inside a transaction of
        # the code it serves.
        super().close_if_unusable_or_obsolete()
        if self.connection is not None and not self.in_atomic_block and self.recycle_due():
            self.close()
