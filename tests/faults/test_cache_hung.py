"""A Redis that hangs (SIGSTOP: the connection stays open, nothing answers) under the cache: reads
miss after the socket timeout, the breaker keeps the process off Redis meanwhile, and a key
deleted during the hang (an invalidated route) is deleted once Redis answers again, so the entry
written before cannot outlive the change."""

from __future__ import annotations

import os
import signal
import time

import pytest

from bench.common import RedisProcess
from pos_platform.kernel.cache import RETRY_SECONDS, ResilientRedisCache, redis_breaker

pytestmark = pytest.mark.faults


def test_a_delete_during_a_hang_is_done_once_redis_answers(own_redis: RedisProcess) -> None:
    cache = ResilientRedisCache(own_redis.url, {"KEY_PREFIX": "hung", "TIMEOUT": 60})
    cache.set("route:shop", {"tenant": 1})
    cache.set("route:other", {"tenant": 2})
    assert own_redis.process is not None
    os.kill(own_redis.process.pid, signal.SIGSTOP)
    try:
        assert cache.get("route:shop", "miss") == "miss"  # after the socket timeout, no error
        assert redis_breaker.down
        assert cache.get("route:other", "miss") == "miss"  # at once: the breaker is open
        cache.delete("route:shop")  # not reachable: remembered
    finally:
        os.kill(own_redis.process.pid, signal.SIGCONT)

    time.sleep(RETRY_SECONDS)
    assert cache.get("route:other") == {"tenant": 2}
    assert not redis_breaker.down
    # Redis kept its data through the hang; the remembered delete went through with the next call.
    assert own_redis.client().exists(cache.make_key("route:shop")) == 0
    assert cache.get("route:shop", "miss") == "miss"
