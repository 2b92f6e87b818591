"""Credentials issued before a person enrolls an authenticator do not become full credentials
afterwards: enrolling with one token revokes the person's other tokens at every shop, and their
sessions that never passed the OTP step reach nothing."""

from __future__ import annotations

import pyotp
from django_tenants.utils import tenant_context

from shared_apps.accounts.models import ApiToken, User
from shared_apps.accounts.services import membership_grant, user_get_or_create
from shared_apps.accounts.tokens import token_digest, token_issue
from shared_apps.tenants.models import Tenant
from tenant_apps.storefronts.models import Storefront
from tests.accounts.conftest import Clock, audit_actions, bearer, login, with_password
from tests.conftest import api_client, session_login


def _storefronts(tenant: Tenant) -> int:
    with tenant_context(tenant):
        return Storefront.objects.count()


def test_enrolling_revokes_every_credential_issued_before_it(
    tenant_a: Tenant, tenant_b: Tenant, otp_clock: Clock
) -> None:
    user, _ = user_get_or_create(email="new-owner@alpha.test")
    with_password(user)
    membership_grant(user=user, tenant_id=tenant_a.pk, role="owner")
    membership_grant(user=user, tenant_id=tenant_b.pk, role="owner")
    # Two sign-ins at alpha, one at beta, one portal session: all before any authenticator.
    token_a, token_b = (login(api_client("alpha"), user.email).json()["token"] for _ in range(2))
    token_beta = login(api_client("beta"), user.email).json()["token"]
    session = session_login(api_client("alpha"), user, tenant_a, verified=False)
    client_a, client_b = bearer(api_client("alpha"), token_a), bearer(api_client("alpha"), token_b)
    assert client_b.post("/api/v1/storefronts", {"code": "B1", "name": "B"}, format="json").json()[
        "code"
    ] == ("mfa_enrollment_required")

    secret = client_a.post("/api/v1/auth/mfa/totp", {}, format="json").json()["secret"]
    confirmed = client_a.post(
        "/api/v1/auth/mfa/totp/confirm", {"code": pyotp.TOTP(secret).at(otp_clock.now)}, format="json"
    )
    assert confirmed.status_code == 200, confirmed.json()
    before = (_storefronts(tenant_a), _storefronts(tenant_b))

    # Every other credential issued before the enrolment is refused, and nothing changes.
    for credential, where in (
        (client_b, "alpha"),
        (bearer(api_client("beta"), token_beta), "beta"),
        (session, "alpha"),
    ):
        created = credential.post("/api/v1/storefronts", {"code": "ZZ1", "name": "Z"}, format="json")
        assert created.status_code in (401, 403), (where, created.status_code)
        assert credential.get("/api/v1/auth/me").status_code == 401, where
        assert credential.get("/api/v1/storefronts").status_code in (401, 403), where
    assert (_storefronts(tenant_a), _storefronts(tenant_b)) == before
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    assert set(live.values_list("digest", flat=True)) == {token_digest(token_a)}
    # The token that proved the code is the one that keeps working.
    assert client_a.post("/api/v1/storefronts", {"code": "A1", "name": "A"}, format="json").status_code == 201
    assert "mfa.enrolled" in audit_actions(tenant_a)


def test_replacing_an_authenticator_keeps_the_tokens(tenant_a: Tenant, otp_clock: Clock) -> None:
    """A new phone: tokens issued after MFA was set up stay."""
    user: User = user_get_or_create(email="phone@alpha.test")[0]
    with_password(user)
    membership_grant(user=user, tenant_id=tenant_a.pk, role="cashier")
    client = bearer(api_client("alpha"), login(api_client("alpha"), user.email).json()["token"])
    app = pyotp.TOTP(client.post("/api/v1/auth/mfa/totp", {}, format="json").json()["secret"])
    confirm = client.post("/api/v1/auth/mfa/totp/confirm", {"code": app.at(otp_clock.now)}, format="json")
    assert confirm.status_code == 200
    # A sign-in with MFA after the enrolment, at another device.
    later = bearer(api_client("alpha"), token_issue(user=user, tenant_id=tenant_a.pk).raw)

    otp_clock.advance(30)
    replace = client.post("/api/v1/auth/mfa/totp", {"code": app.at(otp_clock.now)}, format="json")
    assert replace.status_code == 201, replace.json()
    otp_clock.advance(30)
    new_app = pyotp.TOTP(replace.json()["secret"])
    again = client.post("/api/v1/auth/mfa/totp/confirm", {"code": new_app.at(otp_clock.now)}, format="json")

    assert again.status_code == 200, again.json()
    assert later.get("/api/v1/auth/me").status_code == 200
