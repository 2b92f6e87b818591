"""The platform admin (public host only, OTP-verified platform staff) and the staff CLI."""

from __future__ import annotations

import io
import re

import pyotp
import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from shared_apps.accounts.models import User
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.tenants.models import Tenant
from tests.accounts.conftest import PASSWORD, Clock, code_at, with_password
from tests.conftest import enroll_totp, host_of


def platform() -> Client:
    return Client(HTTP_HOST="localhost")


def test_the_cli_makes_platform_staff_and_enrolls_mfa(db: None, monkeypatch: pytest.MonkeyPatch) -> None:
    out = io.StringIO()
    call_command("platform_staff", "--actor", "tests", "add", "Ops@Platform.test", stdout=out)
    user = User.objects.get(email="ops@platform.test")
    assert user.is_platform_staff
    assert user.is_staff
    assert re.search(r"One-time password \(shown once\): \S+", out.getvalue())

    out = io.StringIO()
    monkeypatch.setattr("builtins.input", lambda prompt: app_code(out.getvalue()))
    call_command("platform_staff", "--actor", "tests", "mfa", "ops@platform.test", stdout=out)
    assert "otpauth://totp/" in out.getvalue()
    assert "Authenticator confirmed and enrolled." in out.getvalue()
    assert len(re.findall(r"^  [a-z2-7]{4}(-[a-z2-7]{4}){3}$", out.getvalue(), re.M)) == 10
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    actions = set(PlatformAuditEntry.objects.values_list("action", flat=True))
    assert {"platform_staff.add", "platform_staff.mfa_enrolled"} <= actions

    with pytest.raises(CommandError, match="user_not_found"):
        call_command("platform_staff", "mfa", "nobody@platform.test", stdout=io.StringIO())


def test_the_cli_lists_and_removes_platform_staff_and_refuses_bad_input(db: None) -> None:
    call_command("platform_staff", "--actor", "tests", "add", "ops@platform.test", stdout=io.StringIO())
    users, audit = User.objects.count(), PlatformAuditEntry.objects.count()

    for args, code in [
        (("add", "not-an-email"), "email_invalid"),
        (("remove", "nobody@x.test"), "user_not_found"),
    ]:
        with pytest.raises(CommandError, match=code) as error:
            call_command("platform_staff", *args, stdout=io.StringIO())
        assert error.value.returncode == 2
    assert (User.objects.count(), PlatformAuditEntry.objects.count()) == (users, audit)

    listed = io.StringIO()
    call_command("platform_staff", "list", stdout=listed)
    assert "ops@platform.test" in listed.getvalue().split()

    call_command("platform_staff", "--actor", "tests", "remove", "OPS@platform.test", stdout=io.StringIO())
    user = User.objects.get(email="ops@platform.test")
    assert (user.is_platform_staff, user.is_staff, user.is_superuser) == (False, False, False)
    assert PlatformAuditEntry.objects.filter(action="platform_staff.remove", actor="tests").exists()


def app_code(output: str) -> str:
    """What an authenticator app shows now for the secret the command printed (pyotp: an
    implementation independent of django-otp's)."""
    secret = re.findall(r"^Secret: (\S+)$", output, re.M)[-1]
    return pyotp.TOTP(secret).now()


def test_the_cli_enrolls_an_authenticator_only_once_its_first_code_is_confirmed(
    db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = User.objects.create_user(email="ops@platform.test", is_platform_staff=True)
    old = enroll_totp(user)
    typed = ["000000"]

    def operator(prompt: str) -> str:
        if not typed:
            raise EOFError  # gives up (Ctrl-D)
        return typed.pop(0)

    monkeypatch.setattr("builtins.input", operator)
    err = io.StringIO()

    with pytest.raises(CommandError, match="mfa_not_confirmed") as error:
        call_command("platform_staff", "mfa", "ops@platform.test", stdout=io.StringIO(), stderr=err)

    assert error.value.returncode == 2
    assert "That code does not match (1 of 3)" in err.getvalue()
    # The previous authenticator still works; the new one is not enrolled, nor left pending for
    # someone to confirm the secret the terminal showed; nothing audited.
    assert list(TOTPDevice.objects.filter(user=user)) == [old]
    assert not PlatformAuditEntry.objects.filter(action="platform_staff.mfa_enrolled").exists()

    # Wrong codes in quick succession meet django-otp's per-device throttle: the command stops.
    typed[:] = ["000000", "111111", "222222"]
    with pytest.raises(CommandError, match="throttled") as error:
        call_command("platform_staff", "mfa", "ops@platform.test", stdout=io.StringIO(), stderr=io.StringIO())
    assert error.value.returncode == 2
    assert list(TOTPDevice.objects.filter(user=user)) == [old]

    out = io.StringIO()
    monkeypatch.setattr("builtins.input", lambda prompt: app_code(out.getvalue()))
    call_command("platform_staff", "mfa", "ops@platform.test", stdout=out)
    [new] = TOTPDevice.objects.filter(user=user, confirmed=True)
    assert new.pk != old.pk
    assert len(re.findall(r"^  [a-z2-7]{4}(-[a-z2-7]{4}){3}$", out.getvalue(), re.M)) == 10


def test_admin_needs_platform_staff_with_a_verified_otp_session(db: None, otp_clock: Clock) -> None:
    staff = with_password(
        User.objects.create_user(
            email="ops@platform.test", is_platform_staff=True, is_staff=True, is_superuser=True
        )
    )
    device = enroll_totp(staff)
    client = platform()

    page = client.get("/admin/login/")
    assert page.status_code == 200
    assert "otp_token" in page.content.decode()
    password_only = client.post(
        "/admin/login/", {"username": staff.email, "password": PASSWORD, "otp_device": device.persistent_id}
    )
    assert password_only.status_code == 200  # the form asks for the code again
    assert client.get("/admin/").status_code == 302

    client.post(
        "/admin/login/",
        {
            "username": staff.email,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": code_at(device, otp_clock),
        },
    )
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "POS platform admin" in index.content.decode()
    assert client.get("/admin/tenants/tenant/").status_code == 200


def test_a_tenant_owner_is_not_let_into_the_admin(tenant_a: Tenant, owner_a: User, otp_clock: Clock) -> None:
    with_password(owner_a)
    device = enroll_totp(owner_a)
    client = platform()

    client.post(
        "/admin/login/",
        {
            "username": owner_a.email,
            "password": PASSWORD,
            "otp_device": device.persistent_id,
            "otp_token": code_at(device, otp_clock),
        },
    )

    assert client.get("/admin/").status_code == 302


def test_no_admin_on_a_tenant_host(tenant_a: Tenant) -> None:
    response = Client(HTTP_HOST=host_of("alpha")).get("/admin/login/")

    assert response.status_code == 404
