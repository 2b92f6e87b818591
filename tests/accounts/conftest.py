"""Helpers for the accounts tests: a controllable clock for TOTP, codes, sign-in shortcuts."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.accounts.models import User
from shared_apps.tenants.models import Tenant

PASSWORD = "correct horse battery staple"


@dataclass
class Clock:
    """The time django-otp's TOTP device sees; tests move it a step at a time."""

    now: float

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float = 30) -> None:
        self.now += seconds


@pytest.fixture
def otp_clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    from django_otp.plugins.otp_totp import models as totp_models

    # The start of a 30-second step, so that a test's codes never straddle a boundary.
    clock = Clock(now=float(int(time.time()) // 30 * 30 + 1))
    monkeypatch.setattr(totp_models, "time", clock)
    return clock


def code_at(device: TOTPDevice, clock: Clock, *, steps: int = 0) -> str:
    """The device's code at the clock's time (plus ``steps`` steps), as an app shows it."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits)
    totp.time = clock.now + steps * device.step
    return str(totp.token()).zfill(device.digits)


def with_password(user: User, password: str = PASSWORD) -> User:
    user.set_password(password)
    user.save(update_fields=["password"])
    return user


def login(client: APIClient, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/api/v1/auth/login", {"email": email, "password": password}, format="json", **extra)


def audit_actions(tenant: Tenant) -> list[str]:
    from django_tenants.utils import tenant_context

    with tenant_context(tenant):
        return list(AuditEvent.objects.order_by("at", "id").values_list("action", flat=True))


def bearer(client: APIClient, token: str) -> APIClient:
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client
