"""The one throttle (pos_platform.kernel.throttle) on the real Redis: a window that blocks until
it ends, a lockout that starts at the attempt reaching the limit, clearing, and keys apart."""

from __future__ import annotations

from pos_platform.kernel.throttle import Limit, throttle_clear, throttle_fail, throttle_wait


def test_a_window_blocks_the_key_once_full_until_it_ends() -> None:
    limit = Limit("tests.window", limit=3, window_seconds=600)

    assert [throttle_fail(limit, "k") for _ in range(3)] == [False, False, True]

    wait = throttle_wait(limit, "k")
    assert wait is not None
    assert 598 <= wait <= 600
    assert throttle_wait(limit, "other") is None
    throttle_clear(limit, "k")
    assert throttle_wait(limit, "k") is None


def test_a_lockout_lasts_its_own_period_and_the_count_starts_afresh() -> None:
    limit = Limit("tests.lockout", limit=2, window_seconds=600, lockout_seconds=90)

    assert throttle_wait(limit, "k") is None
    assert throttle_fail(limit, "k") is False
    assert throttle_wait(limit, "k") is None
    assert throttle_fail(limit, "k") is True

    wait = throttle_wait(limit, "k")
    assert wait is not None
    assert 88 <= wait <= 90
    # Clearing forgets counted failures, never a lock in force.
    throttle_clear(limit, "k")
    assert throttle_wait(limit, "k") is not None
    # The failures that caused the lock were dropped: one more does not reach the limit again.
    assert throttle_fail(limit, "k") is False
