"""API tokens: bound to the tenant that issued them, stored hashed, expiring."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from shared_apps.accounts.models import ApiToken, Membership, User
from shared_apps.accounts.tokens import token_digest, token_issue
from shared_apps.tenants.models import Tenant
from tests.conftest import api_client


def bearer(slug: str, raw: str) -> object:
    client = api_client(slug)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_token_works_at_its_tenant_and_is_stored_hashed(tenant_a: Tenant, owner_a: User) -> None:
    issued = token_issue(user=owner_a, tenant_id=tenant_a.pk)

    response = bearer("alpha", issued.raw).get("/api/v1/storefronts")  # type: ignore[attr-defined]

    assert response.status_code == 200
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert stored.digest == token_digest(issued.raw)
    assert issued.raw not in (stored.digest, stored.prefix)
    assert stored.last_used_at is not None


def test_token_of_one_tenant_is_401_at_another(tenant_a: Tenant, tenant_b: Tenant, owner_a: User) -> None:
    from shared_apps.accounts.services import membership_grant

    membership_grant(user=owner_a, tenant_id=tenant_b.pk, role="owner")  # a member of both
    issued = token_issue(user=owner_a, tenant_id=tenant_a.pk)

    response = bearer("beta", issued.raw).get("/api/v1/storefronts")  # type: ignore[attr-defined]

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_revoked_expired_idle_and_unknown_tokens_are_401(tenant_a: Tenant, owner_a: User) -> None:
    revoked = token_issue(user=owner_a, tenant_id=tenant_a.pk)
    ApiToken.objects.filter(pk=revoked.token.pk).update(revoked_at=timezone.now())
    expired = token_issue(user=owner_a, tenant_id=tenant_a.pk, lifetime=timedelta(seconds=-1))
    idle = token_issue(user=owner_a, tenant_id=tenant_a.pk)
    ApiToken.objects.filter(pk=idle.token.pk).update(last_used_at=timezone.now() - timedelta(days=30))

    for raw in (revoked.raw, expired.raw, idle.raw, "pos_deadbeef_nothing", "garbage"):
        response = bearer("alpha", raw).get("/api/v1/storefronts")  # type: ignore[attr-defined]
        assert response.status_code == 401, raw
        assert response.json()["code"] == "authentication_failed"


def test_member_fixture_gives_a_working_scoped_client(tenant_a: Tenant, make_member: object) -> None:
    from django_tenants.utils import tenant_context

    from tenant_apps.storefronts.services import storefront_create

    with tenant_context(tenant_a):
        accra = storefront_create(code="ACC", name="Accra")
    cashier = make_member(tenant_a, "cashier", storefront_id=accra.pk)  # type: ignore[operator]

    response = cashier.client.get("/api/v1/storefronts")

    assert response.status_code == 200
    assert cashier.membership.storefront_id == accra.pk


def test_a_bearer_request_costs_the_token_membership_and_the_view(
    tenant_a: Tenant, make_member: object, django_assert_num_queries: object
) -> None:
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    assert owner.client.get("/api/v1/storefronts").status_code == 200  # warms routes, touches the token

    # token (with its user, their membership here and the MFA check), storefronts
    with django_assert_num_queries(2):  # type: ignore[operator]
        assert owner.client.get("/api/v1/storefronts").status_code == 200


def test_a_token_whose_membership_is_unusable_is_403_and_an_owner_without_mfa_is_held(
    tenant_a: Tenant, make_member: object
) -> None:
    cashier = make_member(tenant_a, "cashier")  # type: ignore[operator]
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    memberships = Membership.objects.filter(pk=cashier.membership.pk)

    memberships.update(expires_at=timezone.now() - timedelta(minutes=1))
    expired = cashier.client.get("/api/v1/storefronts")
    memberships.update(expires_at=None, is_active=False)
    inactive = cashier.client.get("/api/v1/storefronts")
    memberships.delete()
    gone = cashier.client.get("/api/v1/storefronts")
    TOTPDevice.objects.filter(user=owner.user).delete()
    unenrolled = owner.client.get("/api/v1/storefronts")

    for response in (expired, inactive, gone):
        assert response.status_code == 403
        assert response.json()["code"] == "permission_denied"
    assert unenrolled.status_code == 403
    assert unenrolled.json()["code"] == "mfa_enrollment_required"


def test_a_token_id_of_one_tenant_is_404_at_another(
    tenant_a: Tenant, tenant_b: Tenant, make_member: object
) -> None:
    owner_a = make_member(tenant_a, "owner")  # type: ignore[operator]
    owner_b = make_member(tenant_b, "owner")  # type: ignore[operator]
    token_a = ApiToken.objects.get(user=owner_a.user)

    response = owner_b.client.post(f"/api/v1/auth/tokens/{token_a.pk}/revoke")

    assert response.status_code == 404
    assert response.json()["code"] == "token_not_found"
    assert ApiToken.objects.get(pk=token_a.pk).revoked_at is None
