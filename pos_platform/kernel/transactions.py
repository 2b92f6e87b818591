"""Transactions that a deadlock or a serialization failure runs again instead of failing.

PostgreSQL resolves a deadlock by aborting one of the transactions in it (SQLSTATE ``40P01``), and
a serializable or repeatable-read transaction that lost a race gets ``40001``. Both mean "nothing
was written; the same work run again will most likely succeed", so a person must never see them:
:func:`retrying` runs the whole transaction again, a few times with a short random pause.

Only the outermost transaction can be run again (inside a caller's transaction the failed
statement has aborted the caller's too), so inside an atomic block the wrapped function runs once
and the error travels up to the caller that opened the transaction.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from django.db import DatabaseError, connection, transaction

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


def run_retrying(func: Callable[[], R]) -> R:
    """``func()`` in one transaction, run again on a deadlock or serialization failure (see
    :func:`retrying`); for a block of work that is not a service of its own."""
    return retrying(transaction.atomic(func))()
