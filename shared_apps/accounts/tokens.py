"""API tokens: issue, authenticate. Raw tokens are never stored, only their SHA-256 digest."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from shared_apps.accounts.models import ApiToken, User

TOKEN_PREFIX = "pos_"  # noqa: S105 - a public marker, not a secret


def token_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    # Shown once to the client; only the digest is kept.
    raw: str


def token_issue(
    *, user: User, tenant_id: int, name: str = "", lifetime: timedelta | None = None
) -> IssuedToken:
    lifetime = lifetime or timedelta(seconds=settings.POS_TOKEN_ABSOLUTE_SECONDS)
    public = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}{public}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user,
        tenant_id=tenant_id,
        prefix=f"{TOKEN_PREFIX}{public}",
        digest=token_digest(raw),
        name=name,
        expires_at=timezone.now() + lifetime,
    )
    return IssuedToken(token=token, raw=raw)


class BearerTokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer pos_…`` for the tenant whose host served the request."""

    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Malformed Authorization header.")
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("Malformed token.") from exc
        return self._check(raw, getattr(request, "tenant", None))

    def _check(self, raw: str, tenant: Any) -> tuple[User, ApiToken]:
        if not raw.startswith(TOKEN_PREFIX) or getattr(tenant, "pk", None) is None:
            raise exceptions.AuthenticationFailed("Invalid token.")
        token = ApiToken.objects.select_related("user").filter(digest=token_digest(raw)).first()
        now = timezone.now()
        # Same answer for unknown, foreign, revoked and expired: no oracle for guessing.
        if (
            token is None
            or token.tenant_id != tenant.pk
            or token.revoked_at is not None
            or token.expires_at <= now
            or not token.user.is_active
        ):
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        idle = timedelta(seconds=settings.POS_TOKEN_IDLE_SECONDS)
        if token.last_used_at is not None and token.last_used_at + idle <= now:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        # Touch at most once a minute: a hot terminal must not write a row per request.
        if token.last_used_at is None or now - token.last_used_at > timedelta(seconds=60):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
