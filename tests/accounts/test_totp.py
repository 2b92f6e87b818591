"""TOTP as django-otp computes it: RFC 6238's test vectors, and an independent implementation's
codes accepted at the API."""

from __future__ import annotations

import pyotp
import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from shared_apps.accounts.models import User
from shared_apps.tenants.models import Tenant
from tests.accounts.conftest import Clock, audit_actions, bearer, login, with_password
from tests.conftest import api_client

# RFC 6238, appendix B: the SHA-1 key "12345678901234567890", 8 digits, 30-second steps.
RFC6238_KEY = b"12345678901234567890"
RFC6238_SHA1 = [
    (59, "94287082"),
    (1111111109, "07081804"),
    (1111111111, "14050471"),
    (1234567890, "89005924"),
    (2000000000, "69279037"),
    (20000000000, "65353130"),
]


@pytest.mark.parametrize(("unix_time", "expected"), RFC6238_SHA1)
def test_django_otp_totp_matches_rfc6238_vectors(unix_time: int, expected: str) -> None:
    totp = TOTP(RFC6238_KEY, step=30, t0=0, digits=8)
    totp.time = unix_time

    assert str(totp.token()).zfill(8) == expected


@pytest.mark.parametrize(("unix_time", "expected"), RFC6238_SHA1)
def test_totp_device_verifies_rfc6238_vectors(
    unix_time: int, expected: str, owner_a: User, otp_clock: Clock
) -> None:
    device = TOTPDevice.objects.create(
        user=owner_a, name="rfc", key=RFC6238_KEY.hex(), digits=8, tolerance=0, confirmed=False
    )
    otp_clock.now = unix_time

    assert device.verify_token(expected) is True
    assert device.verify_token(expected) is False  # the same step is never accepted twice


def test_pyotp_codes_enroll_and_sign_in_at_the_api(
    tenant_a: Tenant, make_member: object, otp_clock: Clock
) -> None:
    """A cashier enrolls with codes computed by pyotp from the secret the API hands out, then
    signs in with the next one."""
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    with_password(cashier.user)

    setup = cashier.client.post("/api/v1/auth/mfa/totp", {}, format="json")
    assert setup.status_code == 201, setup.json()
    secret = setup.json()["secret"]
    assert setup.json()["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={secret}" in setup.json()["otpauth_uri"]
    app = pyotp.TOTP(secret)

    confirmed = cashier.client.post(
        "/api/v1/auth/mfa/totp/confirm", {"code": app.at(otp_clock.now)}, format="json"
    )
    assert confirmed.status_code == 200, confirmed.json()
    assert len(confirmed.json()["backup_codes"]) == 10

    otp_clock.advance(30)
    client = api_client("alpha")
    challenge = login(client, cashier.user.email).json()
    assert challenge["mfa_required"] is True
    signed_in = client.post(
        "/api/v1/auth/mfa/verify",
        {"challenge": challenge["challenge"], "code": app.at(otp_clock.now)},
        format="json",
    )

    assert signed_in.status_code == 200, signed_in.json()
    assert bearer(api_client("alpha"), signed_in.json()["token"]).get("/api/v1/auth/me").status_code == 200
    assert "mfa.enrolled" in audit_actions(tenant_a)
