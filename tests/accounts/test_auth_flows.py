"""Sign-in over HTTP: enrollment, MFA, backup codes, tokens at the wrong tenant, expired and
revoked tokens, generic failures, throttles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.fixtures import Settings as SettingsWrapper

from shared_apps.accounts.models import ApiToken, User
from shared_apps.accounts.services import membership_grant
from shared_apps.tenants.models import Tenant
from tests.accounts.conftest import PASSWORD, Clock, audit_actions, bearer, code_at, login, with_password
from tests.conftest import api_client


def sign_in_with_code(email: str, code: str, slug: str = "alpha") -> dict:  # type: ignore[type-arg]
    client = api_client(slug)
    first = login(client, email)
    assert first.status_code == 200, first.json()
    assert first.json()["mfa_required"] is True
    response = client.post(
        "/api/v1/auth/mfa/verify", {"challenge": first.json()["challenge"], "code": code}, format="json"
    )
    return {"status": response.status_code, "body": response.json(), "headers": response}


def test_owner_enrolls_then_signs_in_with_mfa(
    tenant_a: Tenant, make_member: object, otp_clock: Clock
) -> None:
    # Given an owner who has no authenticator yet
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    TOTPDevice.objects.filter(user=owner.user).delete()
    StaticDevice.objects.filter(user=owner.user).delete()
    with_password(owner.user)
    client = api_client("alpha")

    # When they sign in with the password, the token only reaches enrollment
    first = login(client, owner.user.email)
    assert first.status_code == 200
    assert first.json()["mfa_required"] is False
    assert first.json()["mfa_enrollment_required"] is True
    bearer(client, first.json()["token"])
    blocked = client.get("/api/v1/storefronts")
    assert blocked.status_code == 403
    assert blocked.json()["code"] == "mfa_enrollment_required"
    assert client.get("/api/v1/auth/me").json()["mfa"] == {
        "required": True,
        "enrolled": False,
        "setup_pending": False,
        "backup_codes_remaining": 0,
    }

    # ... they set up the authenticator and confirm it with its first code
    setup = client.post("/api/v1/auth/mfa/totp", {}, format="json")
    assert setup.status_code == 201
    assert setup.json()["qr_svg"].startswith("data:image/svg+xml")
    device = TOTPDevice.objects.get(user=owner.user)
    wrong = client.post("/api/v1/auth/mfa/totp/confirm", {"code": "000000"}, format="json")
    assert wrong.status_code == 401
    assert wrong.json()["code"] == "mfa_code_invalid"
    device.throttle_reset()
    confirmed = client.post(
        "/api/v1/auth/mfa/totp/confirm", {"code": code_at(device, otp_clock)}, format="json"
    )
    assert confirmed.status_code == 200
    codes = confirmed.json()["backup_codes"]
    assert len(codes) == len(set(codes)) == 10

    # Then the same token works everywhere, and the next sign-in asks for a code
    assert client.get("/api/v1/storefronts").status_code == 200
    otp_clock.advance(30)
    done = sign_in_with_code(owner.user.email, code_at(device, otp_clock))
    assert done["status"] == 200, done["body"]
    assert done["body"]["mfa_enrollment_required"] is False
    assert bearer(api_client("alpha"), done["body"]["token"]).get("/api/v1/storefronts").status_code == 200
    actions = audit_actions(tenant_a)
    assert {"auth.login_succeeded", "token.issued", "mfa.enrolled", "auth.mfa_failed"} <= set(actions)


def test_backup_codes_are_stored_hashed_and_work_once(
    tenant_a: Tenant, make_member: object, otp_clock: Clock
) -> None:
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    with_password(cashier.user)
    cashier.client.post("/api/v1/auth/mfa/totp", {}, format="json")
    device = TOTPDevice.objects.get(user=cashier.user)
    codes = cashier.client.post(
        "/api/v1/auth/mfa/totp/confirm", {"code": code_at(device, otp_clock)}, format="json"
    ).json()["backup_codes"]
    stored = set(StaticToken.objects.filter(device__user=cashier.user).values_list("token", flat=True))
    assert not stored & {c.replace("-", "") for c in codes}
    assert not stored & set(codes)

    first = sign_in_with_code(cashier.user.email, codes[3].upper())  # case and dashes do not matter
    again = sign_in_with_code(cashier.user.email, codes[3])

    assert first["status"] == 200, first["body"]
    assert again["status"] == 401
    assert again["body"]["code"] == "mfa_code_invalid"
    assert StaticToken.objects.filter(device__user=cashier.user).count() == 9
    assert "mfa.backup_code_used" in audit_actions(tenant_a)


def test_a_totp_code_is_accepted_once(tenant_a: Tenant, make_member: object, otp_clock: Clock) -> None:
    admin = make_member(tenant_a, "admin")  # type: ignore[operator]
    with_password(admin.user)
    code = code_at(admin.device, otp_clock)

    first = sign_in_with_code(admin.user.email, code)
    replay = sign_in_with_code(admin.user.email, code)

    assert first["status"] == 200
    assert replay["status"] == 401
    assert replay["body"]["code"] == "mfa_code_invalid"


def test_a_challenge_is_single_use_and_bound_to_its_tenant(
    tenant_a: Tenant, tenant_b: Tenant, make_member: object, otp_clock: Clock
) -> None:
    admin = make_member(tenant_a, "admin")  # type: ignore[operator]
    membership_grant(user=admin.user, tenant_id=tenant_b.pk, role="admin")
    with_password(admin.user)
    challenge = login(api_client("alpha"), admin.user.email).json()["challenge"]

    at_beta = api_client("beta").post(
        "/api/v1/auth/mfa/verify",
        {"challenge": challenge, "code": code_at(admin.device, otp_clock)},
        format="json",
    )
    ok = api_client("alpha").post(
        "/api/v1/auth/mfa/verify",
        {"challenge": challenge, "code": code_at(admin.device, otp_clock)},
        format="json",
    )
    otp_clock.advance(30)
    reused = api_client("alpha").post(
        "/api/v1/auth/mfa/verify",
        {"challenge": challenge, "code": code_at(admin.device, otp_clock)},
        format="json",
    )

    assert at_beta.status_code == 401
    assert at_beta.json()["code"] == "mfa_challenge_invalid"
    assert ok.status_code == 200
    assert reused.status_code == 401
    assert reused.json()["code"] == "mfa_challenge_invalid"


def test_token_at_the_wrong_tenant_expired_and_revoked_are_401(
    tenant_a: Tenant, tenant_b: Tenant, make_member: object
) -> None:
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    membership_grant(user=cashier.user, tenant_id=tenant_b.pk, role="cashier")
    with_password(cashier.user)
    token = login(api_client("alpha"), cashier.user.email).json()["token"]

    at_beta = bearer(api_client("beta"), token).get("/api/v1/auth/me")
    assert at_beta.status_code == 401
    assert at_beta.json()["code"] == "authentication_failed"

    assert bearer(api_client("alpha"), token).get("/api/v1/auth/me").status_code == 200
    ApiToken.objects.filter(prefix=token[:12]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert bearer(api_client("alpha"), token).get("/api/v1/auth/me").status_code == 401

    other = login(api_client("alpha"), cashier.user.email).json()
    client = bearer(api_client("alpha"), other["token"])
    revoked = client.post(f"/api/v1/auth/tokens/{other['token_id']}/revoke")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert client.get("/api/v1/auth/me").status_code == 401

    third = login(api_client("alpha"), cashier.user.email).json()
    client = bearer(api_client("alpha"), third["token"])
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/auth/me").status_code == 401
    assert {"token.revoked", "auth.logout"} <= set(audit_actions(tenant_a))


def test_idle_tokens_expire_even_if_never_used(tenant_a: Tenant, make_member: object) -> None:
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    ApiToken.objects.filter(user=cashier.user).update(created_at=timezone.now() - timedelta(days=8))

    response = cashier.client.get("/api/v1/auth/me")

    assert response.status_code == 401


def test_failures_look_the_same_whatever_the_reason(
    tenant_a: Tenant, tenant_b: Tenant, owner_b: User
) -> None:
    with_password(owner_b)
    tokens = ApiToken.objects.count()
    unknown = login(api_client("alpha"), "nobody@nowhere.test")
    wrong = login(api_client("alpha"), owner_b.email, "wrong password!")
    not_staff_here = login(api_client("alpha"), owner_b.email)  # right password, another shop's owner

    bodies = [r.json() for r in (unknown, wrong, not_staff_here)]
    assert {r.status_code for r in (unknown, wrong, not_staff_here)} == {401}
    assert bodies[0] == bodies[1] == bodies[2]
    assert bodies[0]["code"] == "invalid_credentials"
    assert ApiToken.objects.count() == tokens


def test_an_unknown_email_still_pays_for_a_password_hash(
    tenant_a: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.hashers import FastArgon2PasswordHasher

    calls: list[str] = []
    original = FastArgon2PasswordHasher.encode

    def counting(self: object, password: str, salt: str) -> str:
        calls.append(password)
        return original(self, password, salt)  # type: ignore[arg-type]

    monkeypatch.setattr(FastArgon2PasswordHasher, "encode", counting)

    login(api_client("alpha"), "nobody@nowhere.test", "some guess 123")

    assert calls == ["some guess 123"]


def test_login_throttle_per_account_locks_and_is_audited(
    tenant_a: Tenant, make_member: object, settings: SettingsWrapper
) -> None:
    settings.POS_LOGIN_MAX_FAILURES_ACCOUNT = 3
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    with_password(cashier.user)

    failures = [login(api_client("alpha"), cashier.user.email, "wrong password!") for _ in range(3)]
    locked = login(api_client("alpha"), cashier.user.email)  # even the right password now waits

    assert [r.status_code for r in failures] == [401, 401, 401]
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled"
    retry = locked.json()["details"]["retry_after"]
    assert 0 < retry <= settings.POS_THROTTLE_LOCKOUT_SECONDS
    assert locked["Retry-After"] == str(retry)
    assert "auth.lockout" in audit_actions(tenant_a)
    # An unknown email is locked the same way: the lock says nothing about who exists.
    for _ in range(3):
        login(api_client("alpha"), "ghost@nowhere.test", "guess guess 1")
    assert login(api_client("alpha"), "ghost@nowhere.test").status_code == 429


def test_login_throttle_per_ip(tenant_a: Tenant, settings: SettingsWrapper) -> None:
    settings.POS_LOGIN_MAX_FAILURES_IP = 3
    for n in range(3):
        assert login(api_client("alpha"), f"guess{n}@nowhere.test", "guess guess 1").status_code == 401

    from_same_ip = login(api_client("alpha"), "someone-else@nowhere.test")
    from_other_ip = login(api_client("alpha"), "someone-else@nowhere.test", REMOTE_ADDR="10.9.8.7")

    assert from_same_ip.status_code == 429
    assert from_other_ip.status_code == 401


def test_otp_throttle_per_account(
    tenant_a: Tenant, make_member: object, otp_clock: Clock, settings: SettingsWrapper
) -> None:
    settings.POS_OTP_MAX_FAILURES_ACCOUNT = 3
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # isolate the Redis throttle from the device's back-off
    admin = make_member(tenant_a, "admin")  # type: ignore[operator]
    with_password(admin.user)

    wrong = [sign_in_with_code(admin.user.email, "000000")["status"] for _ in range(3)]
    right = sign_in_with_code(admin.user.email, code_at(admin.device, otp_clock))

    assert wrong == [401, 401, 401]
    assert right["status"] == 429
    assert right["body"]["details"]["retry_after"] > 0
    assert "auth.lockout" in audit_actions(tenant_a)


def test_django_otp_device_backoff_stays_on(tenant_a: Tenant, make_member: object, otp_clock: Clock) -> None:
    admin = make_member(tenant_a, "admin")  # type: ignore[operator]
    with_password(admin.user)

    wrong = sign_in_with_code(admin.user.email, "000000")
    right_but_too_soon = sign_in_with_code(admin.user.email, code_at(admin.device, otp_clock))

    assert wrong["status"] == 401
    assert right_but_too_soon["status"] == 429
    assert right_but_too_soon["body"]["details"]["retry_after"] >= 1


def test_a_challenge_dies_after_too_many_wrong_codes(
    tenant_a: Tenant, make_member: object, otp_clock: Clock, settings: SettingsWrapper
) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.POS_MFA_CHALLENGE_ATTEMPTS = 2
    admin = make_member(tenant_a, "admin")  # type: ignore[operator]
    with_password(admin.user)
    client = api_client("alpha")
    challenge = login(client, admin.user.email).json()["challenge"]

    for _ in range(2):
        client.post("/api/v1/auth/mfa/verify", {"challenge": challenge, "code": "000000"}, format="json")
    late = client.post(
        "/api/v1/auth/mfa/verify",
        {"challenge": challenge, "code": code_at(admin.device, otp_clock)},
        format="json",
    )

    assert late.status_code == 401
    assert late.json()["code"] == "mfa_challenge_invalid"


def test_deactivated_member_cannot_sign_in(tenant_a: Tenant, make_member: object) -> None:
    cashier = make_member(tenant_a, "cashier", is_active=False)  # type: ignore[operator]
    with_password(cashier.user)
    tokens = list(ApiToken.objects.filter(user=cashier.user))

    response = login(api_client("alpha"), cashier.user.email)

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_credentials"
    assert list(ApiToken.objects.filter(user=cashier.user)) == tokens


def test_mfa_reset_and_disable_need_a_fresh_code(
    tenant_a: Tenant, make_member: object, otp_clock: Clock
) -> None:
    admin = make_member(tenant_a, "admin")  # type: ignore[operator]
    old = admin.device

    no_code = admin.client.post("/api/v1/auth/mfa/totp", {}, format="json")
    assert no_code.status_code == 400
    assert no_code.json()["code"] == "mfa_code_required"
    assert TOTPDevice.objects.filter(user=admin.user).count() == 1

    restart = admin.client.post("/api/v1/auth/mfa/totp", {"code": code_at(old, otp_clock)}, format="json")
    assert restart.status_code == 201
    new = TOTPDevice.objects.get(user=admin.user, confirmed=False)
    otp_clock.advance(30)
    admin.client.post("/api/v1/auth/mfa/totp/confirm", {"code": code_at(new, otp_clock)}, format="json")
    assert list(TOTPDevice.objects.filter(user=admin.user).values_list("pk", "confirmed")) == [(new.pk, True)]

    otp_clock.advance(30)
    disabled = admin.client.post("/api/v1/auth/mfa/disable", {"code": code_at(new, otp_clock)}, format="json")
    assert disabled.status_code == 204
    assert not TOTPDevice.objects.filter(user=admin.user).exists()
    assert admin.client.get("/api/v1/storefronts").json()["code"] == "mfa_enrollment_required"
    assert {"mfa.enrolled", "mfa.disabled"} <= set(audit_actions(tenant_a))


def test_backup_codes_regenerate_replaces_the_old_ones(
    tenant_a: Tenant, make_member: object, otp_clock: Clock
) -> None:
    admin = make_member(tenant_a, "admin")  # type: ignore[operator]
    with_password(admin.user)
    before = set(StaticToken.objects.filter(device__user=admin.user).values_list("token", flat=True))

    response = admin.client.post(
        "/api/v1/auth/mfa/backup-codes", {"code": code_at(admin.device, otp_clock)}, format="json"
    )

    assert response.status_code == 200
    codes = response.json()["backup_codes"]
    after = set(StaticToken.objects.filter(device__user=admin.user).values_list("token", flat=True))
    assert len(codes) == len(after) == 10
    assert not before & after
    assert sign_in_with_code(admin.user.email, codes[0])["status"] == 200


def test_password_is_not_echoed_and_login_needs_both_fields(tenant_a: Tenant) -> None:
    response = api_client("alpha").post("/api/v1/auth/login", {"email": "x@y.test"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert set(response.json()["details"]) == {"password"}
    assert PASSWORD not in response.content.decode()
