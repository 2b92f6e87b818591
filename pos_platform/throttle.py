"""Fixed-window counters in Redis, shared by every process: the terminal pairing limits.

Sign-in and OTP failures use :class:`shared_apps.accounts.throttling.FailureThrottle`, which adds
a lockout period on top of the window."""

from __future__ import annotations

from functools import lru_cache

import redis
from django.conf import settings


@lru_cache(maxsize=1)
def _client() -> redis.Redis:
    return redis.Redis.from_url(str(settings.CACHES["default"]["LOCATION"]))


def _key(key: str) -> str:
    # Under the cache prefix, so that a test run's counters are cleared with its cache.
    return f"{settings.CACHES['default'].get('KEY_PREFIX', '')}:throttle:{key}"


def throttle_hit(key: str, *, limit: int, window_seconds: int) -> int | None:
    """Count one attempt. Returns the seconds to wait when the limit is exceeded, else None."""
    full = _key(key)
    pipe = _client().pipeline()
    pipe.set(full, 0, ex=window_seconds, nx=True)
    pipe.incr(full)
    pipe.ttl(full)
    _, count, ttl = pipe.execute()
    if int(count) > limit:
        return max(int(ttl), 1)
    return None


def throttle_reset(key: str) -> None:
    _client().delete(_key(key))


def throttle_wait(key: str, *, limit: int) -> int | None:
    """Seconds to wait when ``key`` already reached ``limit`` in its window, else None (counts
    nothing: pair it with :func:`throttle_hit` on failures only)."""
    full = _key(key)
    pipe = _client().pipeline()
    pipe.get(full)
    pipe.ttl(full)
    count, ttl = pipe.execute()
    if count is not None and int(count) >= limit:
        return max(int(ttl), 1)
    return None
