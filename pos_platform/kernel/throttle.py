"""Throttles: attempts counted per key in a fixed window, in Redis, shared by every process.

The one throttle of the project (sign-in, MFA codes, terminal pairing), on the ``limits`` library
(fixed windows in Redis). Its whole interface is :class:`Limit` and three functions:

* :func:`throttle_wait` - seconds the key must wait before trying again, or None (counts nothing);
* :func:`throttle_fail` - count one failed attempt; True when it reached the limit;
* :func:`throttle_clear` - forget the key's counted attempts (not a lock in force).

A limit counts attempts within ``window_seconds`` of the first one. Reaching it blocks the key
until that window ends, or, with ``lockout_seconds``, for that long from the attempt that reached
it (the count starts afresh after the lock). Keys live under the cache's prefix.

While Redis cannot be reached (:data:`pos_platform.kernel.cache.redis_breaker`), attempts are
counted in the process instead, with the same limits: throttles stay on, each gunicorn process
counting its own (an attacker gets at most the limit times the processes), and nobody gets an
error for Redis being down. Counts made during an outage are not carried over to Redis.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from django.conf import settings
from limits import RateLimitItemPerSecond
from limits.errors import StorageError
from limits.storage import MemoryStorage, RedisStorage
from limits.strategies import FixedWindowRateLimiter

from pos_platform.kernel.cache import redis_breaker

T = TypeVar("T")


@dataclass(frozen=True)
class Limit:
    """``limit`` attempts of ``name`` per key within ``window_seconds``."""

    name: str
    limit: int
    window_seconds: int
    lockout_seconds: int | None = None

    def _window(self) -> RateLimitItemPerSecond:
        return RateLimitItemPerSecond(max(self.limit, 1), self.window_seconds)

    def _lock(self) -> RateLimitItemPerSecond | None:
        return RateLimitItemPerSecond(1, self.lockout_seconds) if self.lockout_seconds else None


@lru_cache(maxsize=1)
def _limiter() -> FixedWindowRateLimiter:
    cache = settings.CACHES["default"]
    prefix = f"{cache.get('KEY_PREFIX', '')}:throttle"
    storage = RedisStorage(
        str(cache["LOCATION"]),
        key_prefix=prefix,
        wrap_exceptions=True,
        socket_connect_timeout=0.5,
        socket_timeout=0.5,
    )
    return FixedWindowRateLimiter(storage)


@lru_cache(maxsize=1)
def _local_limiter() -> FixedWindowRateLimiter:
    return FixedWindowRateLimiter(MemoryStorage())


def _counted(work: Callable[[FixedWindowRateLimiter], T]) -> T:
    """``work`` on the shared limiter in Redis, or on this process's while Redis is down."""
    if redis_breaker.allows():
        try:
            result = work(_limiter())
        except StorageError as exc:
            redis_breaker.trip(exc)
        else:
            redis_breaker.succeeded()
            return result
    return work(_local_limiter())


def _seconds_until(reset_time: float) -> int:
    return max(1, math.ceil(reset_time - time.time()))


def throttle_wait(limit: Limit, key: str) -> int | None:
    """Seconds ``key`` must wait under ``limit``, or None when it may try now."""
    lock = limit._lock()
    item = lock if lock is not None else limit._window()

    def wait(limiter: FixedWindowRateLimiter) -> int | None:
        if limiter.test(item, limit.name, key):
            return None
        return _seconds_until(limiter.get_window_stats(item, limit.name, key).reset_time)

    return _counted(wait)


def throttle_fail(limit: Limit, key: str) -> bool:
    """Count one failed attempt of ``key``; True when it reached the limit (the key is blocked
    from now on: for the rest of the window, or locked for ``lockout_seconds``)."""
    window = limit._window()
    lock = limit._lock()

    def fail(limiter: FixedWindowRateLimiter) -> bool:
        limiter.hit(window, limit.name, key)
        if limiter.get_window_stats(window, limit.name, key).remaining > 0:
            return False
        if lock is not None:
            limiter.hit(lock, limit.name, key)
            limiter.clear(window, limit.name, key)
        return True

    return _counted(fail)


def throttle_clear(limit: Limit, key: str) -> None:
    """Forget the attempts ``key`` made within the window (a lock in force stays)."""
    window = limit._window()
    _counted(lambda limiter: limiter.clear(window, limit.name, key))
