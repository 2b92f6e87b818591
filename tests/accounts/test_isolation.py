"""Every identity endpoint refuses a credential of another tenant (401) and ids of another
tenant's objects (404), changing nothing."""

from __future__ import annotations

import pytest

from shared_apps.accounts.models import ApiToken, Membership
from shared_apps.tenants.models import Tenant
from tests.conftest import api_client

AUTHENTICATED = [
    ("post", "/api/v1/auth/logout"),
    ("get", "/api/v1/auth/me"),
    ("post", "/api/v1/auth/password"),
    ("post", "/api/v1/auth/mfa/totp"),
    ("post", "/api/v1/auth/mfa/totp/confirm"),
    ("post", "/api/v1/auth/mfa/backup-codes"),
    ("post", "/api/v1/auth/mfa/disable"),
    ("get", "/api/v1/auth/tokens"),
    ("post", "/api/v1/auth/tokens/{token}/revoke"),
    ("get", "/api/v1/staff"),
    ("post", "/api/v1/staff"),
    ("get", "/api/v1/staff/{member}"),
    ("patch", "/api/v1/staff/{member}"),
    ("post", "/api/v1/staff/{member}/deactivate"),
    ("post", "/api/v1/staff/{member}/reactivate"),
    ("post", "/api/v1/staff/{member}/invitation"),
    ("get", "/api/v1/staff/{member}/tokens"),
    ("post", "/api/v1/staff/{member}/tokens/revoke"),
    ("get", "/api/v1/audit/events"),
]


def snapshot(tenant: Tenant) -> object:
    return (
        sorted(Membership.objects.filter(tenant=tenant).values_list("id", "role", "is_active")),
        ApiToken.objects.filter(revoked_at__isnull=True).count(),
    )


@pytest.mark.parametrize(("method", "path"), AUTHENTICATED)
def test_a_token_of_alpha_is_401_at_beta(
    method: str, path: str, tenant_a: Tenant, tenant_b: Tenant, make_member: object
) -> None:
    owner_a = make_member(tenant_a, "owner")  # type: ignore[operator]
    cashier_a = make_member(tenant_a, "cashier")  # type: ignore[operator]
    url = path.format(member=cashier_a.membership.pk, token=ApiToken.objects.get(user=cashier_a.user).pk)
    client = api_client("beta")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {owner_a.token}")
    before = snapshot(tenant_a)

    response = getattr(client, method)(
        url, {"code": "123456", "email": "a@b.test", "role": "cashier"}, format="json"
    )

    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"
    assert snapshot(tenant_a) == before


@pytest.mark.parametrize(("method", "path"), [(m, p) for m, p in AUTHENTICATED if "{member}" in p])
def test_a_member_id_of_alpha_is_404_at_beta(
    method: str, path: str, tenant_a: Tenant, tenant_b: Tenant, make_member: object
) -> None:
    owner_b = make_member(tenant_b, "owner")  # type: ignore[operator]
    cashier_a = make_member(tenant_a, "cashier")  # type: ignore[operator]
    before = snapshot(tenant_a)

    response = getattr(owner_b.client, method)(
        path.format(member=cashier_a.membership.pk), {"role": "admin"}, format="json"
    )

    assert response.status_code == 404
    assert response.json()["code"] == "member_not_found"
    assert snapshot(tenant_a) == before
