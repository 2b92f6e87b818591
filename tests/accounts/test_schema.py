"""The accounts and audit endpoints are in the OpenAPI schema, tagged, with their auth schemes."""

from __future__ import annotations

from shared_apps.tenants.models import Tenant
from tests.conftest import api_client


def test_schema_lists_identity_endpoints_with_tags(tenant_a: Tenant) -> None:
    schema = api_client("alpha").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]

    expected = {
        "/api/v1/auth/login": ("post", "auth"),
        "/api/v1/auth/mfa/verify": ("post", "auth"),
        "/api/v1/auth/logout": ("post", "auth"),
        "/api/v1/auth/invitation/accept": ("post", "auth"),
        "/api/v1/auth/me": ("get", "auth"),
        "/api/v1/auth/password": ("post", "auth"),
        "/api/v1/auth/mfa/totp": ("post", "mfa"),
        "/api/v1/auth/mfa/totp/confirm": ("post", "mfa"),
        "/api/v1/auth/mfa/backup-codes": ("post", "mfa"),
        "/api/v1/auth/mfa/disable": ("post", "mfa"),
        "/api/v1/auth/tokens": ("get", "tokens"),
        "/api/v1/auth/tokens/{token_id}/revoke": ("post", "tokens"),
        "/api/v1/staff": ("post", "staff"),
        "/api/v1/staff/{membership_id}": ("patch", "staff"),
        "/api/v1/staff/{membership_id}/deactivate": ("post", "staff"),
        "/api/v1/audit/events": ("get", "audit"),
    }
    for path, (method, tag) in expected.items():
        assert tag in paths[path][method]["tags"], path
    assert set(schema["components"]["securitySchemes"]) >= {"bearerAuth", "cookieAuth"}
    login = paths["/api/v1/auth/login"]["post"]
    assert "security" not in login or login["security"] in ([{}], [])
    assert {"200", "401", "429"} <= set(login["responses"])
    password = paths["/api/v1/auth/password"]["post"]
    assert {"200", "400", "401", "429"} <= set(password["responses"])
    assert "bearerAuth" in str(password["security"])
    assert password["requestBody"]["content"]["application/json"]["examples"]
