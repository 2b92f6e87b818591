"""OpenAPI descriptions of the project's authentication classes (drf-spectacular extensions)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "shared_apps.accounts.tokens.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "pos_<prefix>_<secret>",
            "description": (
                "A token from POST /api/v1/auth/login (or /auth/mfa/verify), valid only at the "
                "shop's host that issued it; expires when unused for the idle lifetime or at its "
                "absolute expiry."
            ),
        }


class OTPSessionScheme(OpenApiAuthenticationExtension):
    target_class = "shared_apps.accounts.authentication.OTPSessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": "sessionid",
            "description": "A portal session that has passed the OTP step (with X-CSRFToken on writes).",
        }
