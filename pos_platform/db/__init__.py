"""The database backend, and ``connection`` typed as the tenant-aware wrapper it is.

Import ``connection`` from here rather than from ``django.db`` where the schema is switched:
it is the same per-thread proxy, with ``set_tenant`` and friends visible to the type checker.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar, cast

from django.db import connection as _connection
from django.db import transaction

if TYPE_CHECKING:
    from pos_platform.db.base import DatabaseWrapper

connection = cast("DatabaseWrapper", _connection)

__all__ = ["bound_cursor", "connection", "pipelined", "service_atomic", "single_transaction"]

P = ParamSpec("P")
R = TypeVar("R")


def service_atomic(func: Callable[P, R]) -> Callable[P, R]:
    """``transaction.atomic`` for a service, without a savepoint inside a caller's transaction
    that has declared it will roll back as a whole on any error (:func:`single_transaction`).

    The API's idempotency wrapper is such a caller: it claims the key, runs the service and
    stores the response in one transaction, and any error aborts all of it; a savepoint there
    only costs two round trips. Everywhere else (a sync batch applying operations one by one
    inside savepoints of its own) the service keeps its savepoint.
    """

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        savepoint = not getattr(_connection, "pos_single_transaction", False)
        with transaction.atomic(savepoint=savepoint):
            return func(*args, **kwargs)

    return wrapper


@contextmanager
def single_transaction() -> Iterator[None]:
    """One transaction for the block; services inside it skip their savepoints."""
    with transaction.atomic():
        previous = getattr(_connection, "pos_single_transaction", False)
        setattr(_connection, "pos_single_transaction", True)  # noqa: B010 - a per-connection flag
        try:
            yield
        finally:
            setattr(_connection, "pos_single_transaction", previous)  # noqa: B010


@contextmanager
def bound_cursor() -> Iterator[Any]:
    """A cursor on the current connection and transaction, for the hot statements of the sale
    path.

    Every cursor binds parameters server-side (``OPTIONS["server_side_binding"]`` in settings):
    values travel apart from the SQL, and a statement run ``POS_PREPARE_THRESHOLD`` times on a
    connection is prepared there (PostgreSQL re-plans it by itself when the ``search_path``, i.e.
    the tenant, changes; nothing is prepared behind PgBouncer in transaction mode). SQL must cast
    parameters whose type the server cannot infer (``NULL`` or text in a ``SELECT`` list).
    """
    with _connection.cursor() as cursor:
        yield cursor


@contextmanager
def pipelined() -> Iterator[None]:
    """The block's statements are sent without waiting for each answer (psycopg's pipeline
    mode): a statement's results arrive when they are first read, and every statement sent
    before travels in the same round trip. Only inside a transaction (a pooler in transaction
    mode keeps the client's server connection for it) and for statements whose errors the block
    may learn of late, at the first read after them."""
    if _connection.get_autocommit():
        raise RuntimeError("pipelined() runs inside a transaction")
    _connection.ensure_connection()
    with _connection.connection.pipeline():
        yield
