"""Changing one's own password over HTTP: the API (token or session) and the portal page.

A change ends every other credential of the person (tokens at every shop, portal sessions,
pending MFA challenges) and keeps the one used; a wrong current password counts toward the
sign-in lock; every refusal leaves the account as it was."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django_tenants.utils import tenant_context
from pytest_django.fixtures import Settings as SettingsWrapper

from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.accounts.models import ApiToken, User
from shared_apps.accounts.services import membership_grant
from shared_apps.tenants.models import Tenant
from tests.accounts.conftest import PASSWORD, Clock, audit_actions, bearer, code_at, login, with_password
from tests.conftest import api_client, host_of

NEW_PASSWORD = "amber lantern quietly 42"
ME = "/api/v1/auth/me"


def change(client: Any, current: str = PASSWORD, new: str = NEW_PASSWORD, **extra: Any) -> Any:
    return client.post(
        "/api/v1/auth/password", {"current_password": current, "new_password": new}, format="json", **extra
    )


def account_state(user: User) -> tuple[str, list[Any]]:
    """What a password change would alter: the stored hash and the live tokens."""
    return (
        User.objects.get(pk=user.pk).password,
        sorted(
            ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).values_list("pk", flat=True)
        ),
    )


def audit_events(tenant: Tenant, action: str) -> list[tuple[Any, dict[str, Any]]]:
    with tenant_context(tenant):
        return list(
            AuditEvent.objects.filter(action=action).order_by("at").values_list("actor_id", "details")
        )


def browser(slug: str = "alpha", *, csrf: bool = False) -> Client:
    return Client(HTTP_HOST=host_of(slug), enforce_csrf_checks=csrf)


def portal_sign_in(client: Client, email: str, password: str = PASSWORD) -> Any:
    return client.post("/portal/login", {"email": email, "password": password, "next": "/portal/"})


# ---- API ------------------------------------------------------------------------------------


def test_a_change_keeps_this_token_and_ends_every_other_credential(
    tenant_a: Tenant, tenant_b: Tenant, make_member: Any
) -> None:
    # Given a cashier of two shops with another token here, a token at the other shop and a
    # portal session
    cashier = make_member(tenant_a, "cashier")
    membership_grant(user=cashier.user, tenant_id=tenant_b.pk, role="cashier")
    with_password(cashier.user)
    other_here = login(api_client("alpha"), cashier.user.email).json()["token"]
    at_beta = login(api_client("beta"), cashier.user.email).json()["token"]
    portal = browser()
    portal_sign_in(portal, cashier.user.email)
    assert portal.get("/portal/").status_code == 200

    # When they change the password with their token
    response = change(cashier.client)

    # Then the token of this request still works and every other credential is dead
    assert response.status_code == 200, response.json()
    assert response.json() == {"revoked_tokens": 2}
    assert cashier.client.get(ME).status_code == 200
    assert bearer(api_client("alpha"), other_here).get(ME).status_code == 401
    assert bearer(api_client("beta"), at_beta).get(ME).status_code == 401
    assert portal.get("/portal/")["Location"] == "/portal/login"
    stored = User.objects.get(pk=cashier.user.pk)
    assert stored.password.startswith("argon2$")
    assert stored.check_password(NEW_PASSWORD)
    # ... the old password no longer signs in, the new one does
    old = login(api_client("alpha"), cashier.user.email)
    assert old.status_code == 401
    assert old.json()["code"] == "invalid_credentials"
    assert login(api_client("alpha"), cashier.user.email, NEW_PASSWORD).status_code == 200
    # ... and each shop's log tells its own part
    assert audit_events(tenant_a, "auth.password_changed") == [
        (cashier.user.pk, {"channel": "api", "tokens_revoked": 1})
    ]
    assert audit_events(tenant_b, "auth.password_changed") == []
    assert audit_events(tenant_b, "token.revoked") == [
        (cashier.user.pk, {"count": 1, "reason": "password_changed"})
    ]


def test_a_wrong_current_password_changes_nothing_and_counts_toward_the_sign_in_lock(
    tenant_a: Tenant, make_member: Any, settings: SettingsWrapper
) -> None:
    settings.POS_LOGIN_MAX_FAILURES_ACCOUNT = 3
    cashier = make_member(tenant_a, "cashier")
    with_password(cashier.user)
    login(api_client("alpha"), cashier.user.email)  # a second live token
    before = account_state(cashier.user)

    # One failed sign-in and two wrong passwords here reach the same per-account limit
    failed_login = login(api_client("alpha"), cashier.user.email, "a wrong guess 1")
    wrong = [change(cashier.client, current=f"a wrong guess {n}") for n in (2, 3)]
    # ... after which even the right password waits, from any address, here and at sign-in
    locked = change(cashier.client, REMOTE_ADDR="10.9.8.7")
    login_locked = login(api_client("alpha"), cashier.user.email, REMOTE_ADDR="10.9.8.7")

    assert failed_login.status_code == 401
    assert [r.status_code for r in wrong] == [400, 400]
    assert wrong[0].json() == {
        "code": "password_incorrect",
        "message": "The current password is not correct.",
        "details": None,
    }
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled"
    retry = locked.json()["details"]["retry_after"]
    assert 0 < retry <= settings.POS_THROTTLE_LOCKOUT_SECONDS
    assert locked["Retry-After"] == str(retry)
    assert login_locked.status_code == 429
    assert account_state(cashier.user) == before
    actions = audit_actions(tenant_a)
    assert actions.count("auth.password_change_failed") == 2
    assert "auth.password_changed" not in actions
    assert audit_events(tenant_a, "auth.lockout") == [
        (cashier.user.pk, {"step": "password_change", "by": "account"})
    ]


def test_a_new_password_the_validators_refuse_changes_nothing(
    tenant_a: Tenant, make_member: Any, settings: SettingsWrapper
) -> None:
    settings.POS_LOGIN_MAX_FAILURES_ACCOUNT = 2
    # An address without digits: a random one can look like "12345" to the similarity check.
    cashier = make_member(tenant_a, "cashier", email="cashier.weak@alpha.test")
    with_password(cashier.user)
    before = account_state(cashier.user)

    weak = change(cashier.client, new="12345")
    like_email = change(cashier.client, new=cashier.user.email.split("@")[0])

    assert weak.status_code == 400
    assert weak.json()["code"] == "password_invalid"
    assert weak.json()["details"]["password"] == [
        "This password is too short. It must contain at least 10 characters.",
        "This password is too common.",
        "This password is entirely numeric.",
    ]
    assert like_email.status_code == 400
    assert "The password is too similar to the email." in like_email.json()["details"]["password"]
    assert account_state(cashier.user) == before
    assert "auth.password_changed" not in audit_actions(tenant_a)
    # The current password was right both times: nothing counted toward the lock (limit 2).
    assert change(cashier.client).status_code == 200


def test_the_current_password_again_is_refused(tenant_a: Tenant, make_member: Any) -> None:
    cashier = make_member(tenant_a, "cashier")
    with_password(cashier.user)
    before = account_state(cashier.user)

    response = change(cashier.client, new=PASSWORD)

    assert response.status_code == 400
    assert response.json()["code"] == "password_invalid"
    assert "same as the current one" in response.json()["message"]
    assert response.json()["details"] == {"password": [response.json()["message"]]}
    assert account_state(cashier.user) == before


def test_without_credentials_is_401(tenant_a: Tenant, make_member: Any) -> None:
    cashier = make_member(tenant_a, "cashier")
    with_password(cashier.user)
    before = account_state(cashier.user)

    response = change(api_client("alpha"))

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert account_state(cashier.user) == before


def test_a_token_of_another_shop_is_401(tenant_a: Tenant, tenant_b: Tenant, make_member: Any) -> None:
    # A member of both shops: the token of alpha still means nothing at beta
    cashier = make_member(tenant_a, "cashier")
    membership_grant(user=cashier.user, tenant_id=tenant_b.pk, role="cashier")
    with_password(cashier.user)
    before = account_state(cashier.user)

    response = change(bearer(api_client("beta"), cashier.token))

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert account_state(cashier.user) == before
    assert "auth.password_changed" not in audit_actions(tenant_b)


def test_an_mfa_challenge_of_the_old_password_dies(
    tenant_a: Tenant, make_member: Any, otp_clock: Clock
) -> None:
    admin = make_member(tenant_a, "admin")
    with_password(admin.user)
    stale = login(api_client("alpha"), admin.user.email).json()["challenge"]

    assert change(admin.client).status_code == 200
    refused = api_client("alpha").post(
        "/api/v1/auth/mfa/verify",
        {"challenge": stale, "code": code_at(admin.device, otp_clock)},
        format="json",
    )
    fresh = login(api_client("alpha"), admin.user.email, NEW_PASSWORD).json()["challenge"]
    accepted = api_client("alpha").post(
        "/api/v1/auth/mfa/verify",
        {"challenge": fresh, "code": code_at(admin.device, otp_clock)},
        format="json",
    )

    assert refused.status_code == 401
    assert refused.json()["code"] == "mfa_challenge_invalid"
    assert accepted.status_code == 200
    assert accepted.json()["token"].startswith("pos_")


def test_a_session_changing_through_the_api_stays_signed_in(tenant_a: Tenant, make_member: Any) -> None:
    cashier = make_member(tenant_a, "cashier")
    with_password(cashier.user)
    this, other = browser(), browser()
    portal_sign_in(this, cashier.user.email)
    portal_sign_in(other, cashier.user.email)

    response = this.post(
        "/api/v1/auth/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    assert response.json() == {"revoked_tokens": 1}  # the fixture's token: no token is "this" one
    assert this.get(ME).status_code == 200
    assert other.get(ME).status_code == 401
    assert cashier.client.get(ME).status_code == 401


# ---- portal ---------------------------------------------------------------------------------


def test_the_portal_page_changes_the_password_and_signs_out_other_sessions(
    tenant_a: Tenant, make_member: Any
) -> None:
    cashier = make_member(tenant_a, "cashier")
    with_password(cashier.user)
    this, other = browser(), browser()
    portal_sign_in(this, cashier.user.email)
    portal_sign_in(other, cashier.user.email)
    before = account_state(cashier.user)

    home = this.get("/portal/").content.decode()
    page = this.get("/portal/password")
    mismatch = this.post(
        "/portal/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": "not the same"},
    )
    wrong = this.post(
        "/portal/password",
        {
            "current_password": "a wrong guess",
            "new_password": NEW_PASSWORD,
            "new_password_confirm": NEW_PASSWORD,
        },
    )
    weak = this.post(
        "/portal/password",
        {"current_password": PASSWORD, "new_password": "12345", "new_password_confirm": "12345"},
    )
    after_refusals = account_state(cashier.user)
    done = this.post(
        "/portal/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD},
    )

    assert 'href="/portal/password"' in home
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="viewport"' in html
    assert "csrfmiddlewaretoken" in html
    for field in ("current_password", "new_password", "new_password_confirm"):
        assert f'name="{field}"' in html
    assert mismatch.status_code == 400
    assert "The two new passwords are not the same." in mismatch.content.decode()
    assert wrong.status_code == 400
    assert "The current password is not correct." in wrong.content.decode()
    assert weak.status_code == 400
    assert "This password is entirely numeric." in weak.content.decode()
    assert after_refusals == before
    assert done.status_code == 302
    assert done["Location"] == "/portal/"
    landing = this.get("/portal/")
    assert landing.status_code == 200
    assert "Your password is changed" in landing.content.decode()
    assert other.get("/portal/")["Location"] == "/portal/login"
    assert cashier.client.get(ME).status_code == 401
    assert User.objects.get(pk=cashier.user.pk).check_password(NEW_PASSWORD)
    assert portal_sign_in(browser(), cashier.user.email, NEW_PASSWORD)["Location"] == "/portal/"
    assert audit_events(tenant_a, "auth.password_changed") == [
        (cashier.user.pk, {"channel": "portal", "tokens_revoked": 1})
    ]


def test_the_portal_page_needs_the_otp_step_and_the_csrf_token(
    tenant_a: Tenant, make_member: Any, otp_clock: Clock
) -> None:
    admin = make_member(tenant_a, "admin")
    with_password(admin.user)
    client = browser(csrf=True)
    client.get("/portal/login")
    csrf = client.cookies["csrftoken"].value
    client.post(
        "/portal/login", {"email": admin.user.email, "password": PASSWORD, "csrfmiddlewaretoken": csrf}
    )
    csrf = client.cookies["csrftoken"].value  # rotated at sign-in
    before = account_state(admin.user)
    form = {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirm": NEW_PASSWORD}

    # Password only, no code yet: the page sends the session to the OTP step
    unverified_get = client.get("/portal/password")
    unverified_post = client.post("/portal/password", {**form, "csrfmiddlewaretoken": csrf})
    assert unverified_get["Location"].startswith("/portal/otp")
    assert unverified_post["Location"].startswith("/portal/otp")
    assert account_state(admin.user) == before

    client.post("/portal/otp", {"code": code_at(admin.device, otp_clock), "csrfmiddlewaretoken": csrf})
    csrf = client.cookies["csrftoken"].value
    without_token = client.post("/portal/password", form)
    assert without_token.status_code == 403
    assert account_state(admin.user) == before

    done = client.post("/portal/password", {**form, "csrfmiddlewaretoken": csrf})
    assert done.status_code == 302
    assert done["Location"] == "/portal/"
    assert client.get("/portal/").status_code == 200  # still verified, past the OTP step
    assert User.objects.get(pk=admin.user.pk).check_password(NEW_PASSWORD)
