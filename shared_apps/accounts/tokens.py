"""API tokens: issue, authenticate, list, revoke. Raw tokens are never stored, only their SHA-256.

A token is issued only after the password and, for a user with an authenticator, the OTP step
(``shared_apps.accounts.services.auth_login`` / ``auth_mfa_verify``): holding one implies MFA was
passed. It works only at the tenant that issued it, and expires ``POS_TOKEN_ABSOLUTE_SECONDS``
after issue or ``POS_TOKEN_IDLE_SECONDS`` after its last use, whichever comes first.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, FilteredRelation, Q, QuerySet
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from shared_apps.accounts.auditing import account_audit
from shared_apps.accounts.errors import TokenNotFound
from shared_apps.accounts.models import ApiToken, Membership, User
from shared_apps.accounts.permissions import mfa_enrolled_flag

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
        # With the user's membership of the token's tenant and its MFA state, for the permission
        # check that follows (IsTenantMember): one query for both on every request.
        token = (
            ApiToken.objects.annotate(
                tenant_membership=FilteredRelation(
                    "user__memberships", condition=Q(user__memberships__tenant_id=F("tenant_id"))
                ),
                mfa_enrolled=mfa_enrolled_flag(),
            )
            .select_related("user", "tenant_membership")  # type: ignore[misc]  # a FilteredRelation
            .filter(digest=token_digest(raw))
            .first()
        )
        now = timezone.now()
        # Same answer for unknown, foreign, revoked, expired and idle: no oracle for guessing.
        if (
            token is None
            or token.tenant_id != tenant.pk
            or token.revoked_at is not None
            or token_idle_expires_at(token) <= now
            or not token.user.is_active
        ):
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        # Touch at most once a minute: a hot terminal must not write a row per request.
        if token.last_used_at is None or now - token.last_used_at > timedelta(seconds=60):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        # select_related leaves the attribute unset when the LEFT JOIN found no membership.
        membership: Membership | None = getattr(token, "tenant_membership", None)
        if membership is not None:
            membership.user = token.user
            membership.mfa_enrolled = token.mfa_enrolled  # type: ignore[attr-defined]
        token.tenant_membership = membership
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def token_idle_expires_at(token: ApiToken) -> datetime:
    """When the token lapses if it is not used before (never later than ``expires_at``)."""
    idle = (token.last_used_at or token.created_at) + timedelta(seconds=settings.POS_TOKEN_IDLE_SECONDS)
    return min(idle, token.expires_at)


def token_list_live(*, user_id: Any, tenant_id: int) -> QuerySet[ApiToken]:
    """The user's tokens at the tenant that still work (not revoked, not expired)."""
    now = timezone.now()
    idle_cutoff = now - timedelta(seconds=settings.POS_TOKEN_IDLE_SECONDS)
    return ApiToken.objects.filter(
        Q(last_used_at__gt=idle_cutoff) | Q(last_used_at__isnull=True, created_at__gt=idle_cutoff),
        user_id=user_id,
        tenant_id=tenant_id,
        revoked_at__isnull=True,
        expires_at__gt=now,
    ).order_by("-created_at")


@transaction.atomic
def token_revoke(
    *, token_id: Any, tenant_id: int, actor: User, user_id: Any | None = None, ip: str | None = None
) -> ApiToken:
    """Revoke one token of this tenant (of ``user_id`` when given). Revoking twice is a no-op."""
    filters: dict[str, Any] = {"pk": token_id, "tenant_id": tenant_id}
    if user_id is not None:
        filters["user_id"] = user_id
    token = ApiToken.objects.select_for_update().filter(**filters).first()
    if token is None:
        raise TokenNotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        account_audit(
            "token.revoked",
            actor=actor,
            ip=ip,
            object_type="api_token",
            object_id=token.pk,
            details={"prefix": token.prefix, "user_id": str(token.user_id)},
        )
    return token


@transaction.atomic
def token_revoke_all(
    *, user_id: Any, tenant_id: int, actor: User | None, ip: str | None = None, reason: str = ""
) -> int:
    """Revoke every live token of a user at a tenant; returns how many."""
    count = ApiToken.objects.filter(user_id=user_id, tenant_id=tenant_id, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if count:
        account_audit(
            "token.revoked",
            actor=actor,
            ip=ip,
            object_type="user",
            object_id=str(user_id),
            details={"count": count, "reason": reason},
        )
    return count
