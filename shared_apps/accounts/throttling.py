"""The failure throttles of sign-in and OTP verification: which attempts count, against what.

Each failed attempt counts against the account (the email typed, or the user for OTP codes) and
against the client IP, within ``POS_THROTTLE_WINDOW_SECONDS``. When a count reaches its limit
that account or IP is locked for ``POS_THROTTLE_LOCKOUT_SECONDS``: every attempt, right or wrong,
answers ``429 throttled`` with ``retry_after`` until the lock ends. A lock applies to any email
string, known or not, so it reveals nothing about which accounts exist. Keys hold a digest of the
account, never the email itself.

The counting and locking are the project's one throttle (:mod:`pos_platform.kernel.throttle`);
this module only says what is counted. DRF's own throttles count requests, not failures, and
cannot lock an account across hosts. django-otp's per-device exponential back-off stays on
underneath.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import Throttled
from pos_platform.kernel.throttle import Limit, throttle_clear, throttle_fail, throttle_wait

LOGIN = "login"
OTP = "otp"
ACCOUNT = "account"
IP = "ip"


def _limit(scope: str, kind: str) -> Limit:
    if scope == LOGIN:
        limit = (
            settings.POS_LOGIN_MAX_FAILURES_ACCOUNT if kind == ACCOUNT else settings.POS_LOGIN_MAX_FAILURES_IP
        )
    else:
        limit = settings.POS_OTP_MAX_FAILURES_ACCOUNT if kind == ACCOUNT else settings.POS_OTP_MAX_FAILURES_IP
    return Limit(
        name=f"auth.{scope}.{kind}",
        limit=limit,
        window_seconds=settings.POS_THROTTLE_WINDOW_SECONDS,
        lockout_seconds=settings.POS_THROTTLE_LOCKOUT_SECONDS,
    )


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


@dataclass(frozen=True)
class FailureThrottle:
    """``FailureThrottle(LOGIN)`` or ``FailureThrottle(OTP)``."""

    scope: str

    def _subjects(self, account: str | None, ip: str | None) -> list[tuple[str, str]]:
        return [(kind, _digest(ident)) for kind, ident in ((ACCOUNT, account), (IP, ip)) if ident]

    def check(self, *, account: str | None, ip: str | None) -> None:
        """Raise ``Throttled`` while the account or the IP is locked."""
        waits = [
            wait
            for kind, key in self._subjects(account, ip)
            if (wait := throttle_wait(_limit(self.scope, kind), key)) is not None
        ]
        if waits:
            raise Throttled(
                gettext_noop("Too many failed attempts; wait before trying again."),
                details={"retry_after": max(waits)},
            )

    def fail(self, *, account: str | None, ip: str | None) -> list[str]:
        """Count a failure; returns the kinds (``account``, ``ip``) this failure locked."""
        return [
            kind for kind, key in self._subjects(account, ip) if throttle_fail(_limit(self.scope, kind), key)
        ]

    def succeed(self, *, account: str) -> None:
        """A success clears the account's failures (not the IP's: one good account must not
        launder a guessing run against others)."""
        throttle_clear(_limit(self.scope, ACCOUNT), _digest(account))


def requests_throttle(counted: list[tuple[Limit, str]], *, message: str) -> None:
    """Count one request against each ``(limit, key)``: ``Throttled`` (with the longest wait, and
    nothing counted) while any key has used up its limit. For limits on requests of any outcome
    (reset links, sign-ups), where sign-in counts only failures."""
    waits = [wait for limit, key in counted if (wait := throttle_wait(limit, key)) is not None]
    if waits:
        raise Throttled(message, details={"retry_after": max(waits)})
    for limit, key in counted:
        throttle_fail(limit, key)
