"""Transactions that a deadlock or a serialization failure runs again instead of failing.

PostgreSQL resolves a deadlock by aborting one of the transactions in it (SQLSTATE ``40P01``), and
a serializable or repeatable-read transaction that lost a race gets ``40001``. Both mean "nothing
was written; the same work run again will most likely succeed", so a person must never see them:
:func:`retrying` runs the whole transaction again, a few times with a short random pause.

Only the outermost transaction can be run again (inside a caller's transaction the failed
statement has aborted the caller's too), so inside an atomic block the wrapped function runs once
and the error travels up to the caller that opened the transaction.

:func:`database_fault` tells the faults of the database itself (its connection lost, the server
shutting down or refusing connections, a read-only or full database) from errors of the request,
so that they are answered ``503`` with ``Retry-After`` and a stable code, never a bare 500;
:func:`reconnecting` runs idempotent work once more on a new connection when its own was lost.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

import psycopg
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

# deadlock_detected, serialization_failure
TRANSIENT_SQLSTATES = frozenset({"40P01", "40001"})
ATTEMPTS = 5
# Pauses before the 2nd, 3rd, ... attempt: random within (0, n * PAUSE_SECONDS].
PAUSE_SECONDS = 0.02


def is_transient(exc: BaseException) -> bool:
    """Is this (or what caused it) a deadlock or a serialization failure?"""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if getattr(current, "sqlstate", None) in TRANSIENT_SQLSTATES:
            return True
        current = current.__cause__ or current.__context__
    return False


# What the database (not the request) can be at fault for; SQLSTATE classes and codes.
_UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})  # shutdowns; too many clients
_READ_ONLY_SQLSTATES = frozenset({"25006"})  # read_only_sql_transaction
_FULL_SQLSTATES = frozenset({"53100"})  # disk_full
# lock_not_available (a role's lock_timeout), query_canceled (its statement_timeout)
_BUSY_SQLSTATES = frozenset({"55P03", "57014"})
_CONNECTION_ERRORS = (InterfaceError, OperationalError, psycopg.InterfaceError, psycopg.OperationalError)


@dataclass(frozen=True)
class DatabaseFault:
    """How to answer a request that met a fault of the database: nothing was saved."""

    code: str
    message: str
    retry_after: int


DATABASE_UNAVAILABLE = DatabaseFault(
    "database_unavailable",
    "The database connection was lost; nothing was saved. Send the same request again.",
    2,
)
DATABASE_READ_ONLY = DatabaseFault(
    "database_read_only",
    "The database accepts no changes for the moment (maintenance); nothing was saved. Try again later.",
    30,
)
DATABASE_BUSY = DatabaseFault(
    "database_busy",
    "The database was too busy to finish in time; nothing was saved. Send the same request again.",
    5,
)
DATABASE_FULL = DatabaseFault(
    "database_full",
    "The database has no space left; nothing was saved. Try again later.",
    60,
)


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not e for e in seen):
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def database_fault(exc: BaseException) -> DatabaseFault | None:
    """The fault of the database behind ``exc`` (or what caused it), or None for any other error.

    A lost connection (class 08, a terminated backend, a server shutting down) or one that could
    not be made is :data:`DATABASE_UNAVAILABLE`; a read-only transaction (a standby, or
    ``default_transaction_read_only``) :data:`DATABASE_READ_ONLY`; a full disk
    :data:`DATABASE_FULL`; a lock or statement timeout (the per-role ``lock_timeout`` and
    ``statement_timeout`` of deploy/) :data:`DATABASE_BUSY`. Django closes a connection that
    failed so at the end of the request, and the next request opens a new one."""
    chain = _chain(exc)
    for error in chain:
        sqlstate = getattr(error, "sqlstate", None)
        if not sqlstate:
            continue
        if sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES:
            return DATABASE_UNAVAILABLE
        if sqlstate in _READ_ONLY_SQLSTATES:
            return DATABASE_READ_ONLY
        if sqlstate in _FULL_SQLSTATES:
            return DATABASE_FULL
        if sqlstate in _BUSY_SQLSTATES:
            return DATABASE_BUSY
        return None  # an error of the statement (a constraint, a bug)
    # No SQLSTATE: psycopg lost or could not open the connection ("server closed the connection
    # unexpectedly", "connection is closed", "connection refused").
    if any(isinstance(error, _CONNECTION_ERRORS) for error in chain):
        return DATABASE_UNAVAILABLE
    return None


def retrying(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` (which opens its own transaction, e.g. a ``@transaction.atomic`` service)
    again when its transaction is aborted by a deadlock or a serialization failure.

    Put it above ``@transaction.atomic``; the function must have no effect outside the database
    before it commits (send messages with ``transaction.on_commit``)."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if connection.in_atomic_block:
            return func(*args, **kwargs)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return func(*args, **kwargs)
            except DatabaseError as exc:
                if attempt == ATTEMPTS or not is_transient(exc):
                    raise
                logger.info("%s: %s, running the transaction again (%d)", func.__qualname__, exc, attempt)
                time.sleep(random.uniform(0, attempt * PAUSE_SECONDS))
        raise AssertionError("unreachable")

    return wrapper


def reconnecting(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` once more, on a new connection, when the database connection was lost under
    it (a restart, a failover, ``pg_terminate_backend``): the request goes on at once instead of
    answering ``503`` and waiting for its client's retry behind every other request.

    Only for work that is idempotent by design (the sync push: the batch id and the op ids are
    unique in the database). A connection lost while it committed leaves it unknown whether the
    commit happened, and the second run must then find the work done, not do it again. A second
    failure (the server is down, not just the connection) travels up and is answered ``503``."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        # psycopg's own errors too: a COPY runs on the raw cursor, outside Django's wrapping.
        except (DatabaseError, psycopg.Error) as exc:
            if connection.in_atomic_block or database_fault(exc) is not DATABASE_UNAVAILABLE:
                raise
            logger.info("%s: %s, running it again on a new connection", func.__qualname__, exc)
            connection.close()
        return func(*args, **kwargs)

    return wrapper


def run_retrying(func: Callable[[], R]) -> R:
    """``func()`` in one transaction, run again on a deadlock or serialization failure (see
    :func:`retrying`); for a block of work that is not a service of its own."""
    return retrying(transaction.atomic(func))()
