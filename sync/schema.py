"""OpenAPI description of the terminal credential (a drf-spectacular extension)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TerminalCredentialScheme(OpenApiAuthenticationExtension):
    target_class = "sync.terminals.TerminalAuthentication"
    name = "terminalAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "ptk_<prefix>_<secret>",
            "description": (
                "A terminal credential from POST /api/v1/sync/pair, valid only at the shop that "
                "paired the terminal; a revoked terminal gets 401 terminal_revoked."
            ),
        }
