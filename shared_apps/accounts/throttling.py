"""Failure throttles for sign-in and OTP verification, kept in Redis through the cache.

Each failed attempt counts against the account (the email typed, or the user for OTP codes) and
against the client IP, within ``POS_THROTTLE_WINDOW_SECONDS``. When a count reaches its limit
that account or IP is locked for ``POS_THROTTLE_LOCKOUT_SECONDS``: every attempt, right or wrong,
answers ``429 throttled`` with ``retry_after`` until the lock ends. A lock applies to any email
string, known or not, so it reveals nothing about which accounts exist. Keys hold a digest of the
account, never the email itself.

DRF's own throttles count requests, not failures, and cannot lock an account across hosts; this
is the small piece they lack. django-otp's per-device exponential back-off stays on underneath.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from pos_platform.kernel.errors import Throttled

LOGIN = "login"
OTP = "otp"
ACCOUNT = "account"
IP = "ip"


def _limits(scope: str) -> dict[str, int]:
    if scope == LOGIN:
        return {ACCOUNT: settings.POS_LOGIN_MAX_FAILURES_ACCOUNT, IP: settings.POS_LOGIN_MAX_FAILURES_IP}
    return {ACCOUNT: settings.POS_OTP_MAX_FAILURES_ACCOUNT, IP: settings.POS_OTP_MAX_FAILURES_IP}


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


@dataclass(frozen=True)
class FailureThrottle:
    """``FailureThrottle(LOGIN)`` or ``FailureThrottle(OTP)``."""

    scope: str

    def _keys(self, kind: str, ident: str) -> tuple[str, str]:
        base = f"auth:{self.scope}:{kind}:{_digest(ident)}"
        return f"{base}:failures", f"{base}:locked"

    def _subjects(self, account: str | None, ip: str | None) -> list[tuple[str, str]]:
        return [(kind, ident) for kind, ident in ((ACCOUNT, account), (IP, ip)) if ident]

    def check(self, *, account: str | None, ip: str | None) -> None:
        """Raise ``Throttled`` while the account or the IP is locked."""
        now = time.time()
        waits = []
        for kind, ident in self._subjects(account, ip):
            until = cache.get(self._keys(kind, ident)[1])
            if until is not None and float(until) > now:
                waits.append(math.ceil(float(until) - now))
        if waits:
            raise Throttled(
                "Too many failed attempts; wait before trying again.",
                details={"retry_after": max(1, *waits)},
            )

    def fail(self, *, account: str | None, ip: str | None) -> list[str]:
        """Count a failure; returns the kinds (``account``, ``ip``) this failure locked."""
        window = settings.POS_THROTTLE_WINDOW_SECONDS
        lockout = settings.POS_THROTTLE_LOCKOUT_SECONDS
        limits = _limits(self.scope)
        locked = []
        for kind, ident in self._subjects(account, ip):
            failures_key, lock_key = self._keys(kind, ident)
            cache.add(failures_key, 0, timeout=window)
            try:
                count = cache.incr(failures_key)
            except ValueError:  # expired between add and incr
                cache.set(failures_key, 1, timeout=window)
                count = 1
            if count >= limits[kind]:
                cache.set(lock_key, time.time() + lockout, timeout=lockout)
                cache.delete(failures_key)
                locked.append(kind)
        return locked

    def succeed(self, *, account: str) -> None:
        """A success clears the account's failures (not the IP's: one good account must not
        launder a guessing run against others)."""
        cache.delete(self._keys(ACCOUNT, account)[0])
