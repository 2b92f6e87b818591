"""The cache while Redis is down: misses instead of errors, so the shop keeps serving.

Redis holds nothing the platform cannot rebuild: routes (host -> tenant, from the database),
heartbeats, counters of throttles. :class:`ResilientRedisCache` is Django's Redis cache that
answers a miss for a read and does nothing for a write when Redis cannot be reached, so that every
caller falls back to the database by itself. After a failure the process does not try Redis again
for :data:`RETRY_SECONDS` (:data:`redis_breaker`), so a Redis that hangs costs one timeout per
process and pause, not one per request. Keys it failed to delete (an invalidated route) are
deleted again as soon as Redis answers, so that an entry written before the outage cannot outlive
a change made during it (within this process; a route also expires after
``POS_ROUTE_CACHE_SECONDS``).

:func:`pos_platform.kernel.throttle` uses the same breaker and falls back to limits counted in
the process (docs/operations.md, "When Redis is down").
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

T = TypeVar("T")

# Errors that mean "Redis cannot be reached now", as opposed to a bug in the call.
UNREACHABLE: tuple[type[Exception], ...] = (RedisConnectionError, RedisTimeoutError, OSError)
# After a failure, Redis is left alone this long (seconds) before the next try.
RETRY_SECONDS = 1.0
# Keys remembered for deletion while Redis is down (beyond that, entries expire by themselves).
MAX_PENDING_DELETES = 10_000


class Breaker:
    """Whether this process should try Redis now: open for :data:`RETRY_SECONDS` after a
    failure, closed again by the next success."""

    def __init__(self) -> None:
        self._until = 0.0
        self.down = False

    def allows(self) -> bool:
        return time.monotonic() >= self._until

    def trip(self, exc: BaseException) -> None:
        if not self.down:
            logger.warning("Redis cannot be reached (%s): serving without it", type(exc).__name__)
        self.down = True
        self._until = time.monotonic() + RETRY_SECONDS

    def succeeded(self) -> bool:
        """Record a success; True when it ends an outage."""
        if not self.down:
            return False
        self.down = False
        logger.warning("Redis answers again")
        return True


redis_breaker = Breaker()


class ResilientRedisCache(RedisCache):
    """Django's Redis cache, degraded to a cache that is always empty while Redis is down."""

    def __init__(self, server: str, params: dict[str, Any]) -> None:
        params = {**params}
        # Fail fast: a Redis that does not answer must not hold a request for long.
        options = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, **params.get("OPTIONS", {})}
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._pending_deletes: set[str] = set()
        self._pending_lock = threading.Lock()

    def _guarded(self, call: Callable[[], T], fallback: T) -> T:
        if not redis_breaker.allows():
            return fallback
        try:
            result = call()
        except UNREACHABLE as exc:
            redis_breaker.trip(exc)
            return fallback
        if redis_breaker.succeeded() or self._pending_deletes:
            self._flush_pending_deletes()
        return result

    def _flush_pending_deletes(self) -> None:
        with self._pending_lock:
            keys, self._pending_deletes = list(self._pending_deletes), set()
        if not keys:
            return
        try:
            self._cache.delete_many(keys)
        except UNREACHABLE as exc:
            self._remember_deletes(keys)
            redis_breaker.trip(exc)

    def _remember_deletes(self, keys: Iterable[str]) -> None:
        with self._pending_lock:
            for key in keys:
                if len(self._pending_deletes) >= MAX_PENDING_DELETES:
                    break
                self._pending_deletes.add(key)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._guarded(lambda: super(ResilientRedisCache, self).get(key, default, version), default)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._guarded(lambda: super(ResilientRedisCache, self).get_many(keys, version), {})

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._guarded(lambda: super(ResilientRedisCache, self).has_key(key, version), False)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._guarded(lambda: super(ResilientRedisCache, self).set(key, value, timeout, version), None)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).add(key, value, timeout, version), False
        )

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._guarded(
            lambda: super(ResilientRedisCache, self).set_many(data, timeout, version), list(data)
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._guarded(lambda: super(ResilientRedisCache, self).touch(key, timeout, version), False)

    def delete(self, key: Any, version: int | None = None) -> bool:
        deleted = self._guarded(lambda: super(ResilientRedisCache, self).delete(key, version), None)
        if deleted is None:
            self._remember_deletes([self.make_and_validate_key(key, version=version)])
            return False
        return deleted

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        keys = list(keys)
        done = self._guarded(
            lambda: super(ResilientRedisCache, self).delete_many(keys, version) or True, False
        )
        if not done:
            self._remember_deletes(self.make_and_validate_key(key, version=version) for key in keys)
