"""Signing in at a tenant's host: password, then (for a user with an OTP device) a code.

The answer to a failed sign-in is the same whether the email is unknown, the password wrong, the
account inactive or the person not staff of this shop, and costs the same time: an unknown email
still pays for one password hash. Failures count toward the Redis throttle (per typed email and
per client IP) and are written to the shop's audit log, naming the person only when they are on
this shop's staff. None of these functions runs in one outer transaction: a failure's audit event
and throttle count must survive the error raised after them.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from shared_apps.accounts.auditing import account_audit, failure_record
from shared_apps.accounts.errors import (
    InvalidCredentials,
    InvitationInvalid,
    MfaChallengeInvalid,
    MfaCodeInvalid,
    PasswordInvalid,
    SignInUnavailable,
)
from shared_apps.accounts.mfa import VerifiedCode, mfa_code_verify, user_has_otp_device
from shared_apps.accounts.models import ApiToken, Invitation, Membership, User
from shared_apps.accounts.permissions import membership_for, mfa_enrollment_due
from shared_apps.accounts.throttling import LOGIN, FailureThrottle
from shared_apps.accounts.tokens import IssuedToken, token_digest, token_issue
from shared_apps.tenants.models import Tenant

# A password-shaped string to hash when there is no real hash to check, so that an unknown email
# costs the same time as a wrong password.
_DUMMY_PASSWORD = "not-a-password-" + "x" * 16


def email_normalise(email: str) -> str:
    return (email or "").strip().lower()


def credentials_check(
    *, tenant: Tenant, email: str, password: str, ip: str | None
) -> tuple[User, Membership]:
    """The user and their usable membership of ``tenant``, or ``InvalidCredentials``."""
    email = email_normalise(email)
    throttle = FailureThrottle(LOGIN)
    throttle.check(account=email, ip=ip)
    user = User.objects.filter(email=email).first()
    if user is None or not user.has_usable_password():
        make_password(password or _DUMMY_PASSWORD)
        password_ok = False
    else:
        password_ok = user.check_password(password)
    membership = membership_for(user=user, tenant=tenant) if password_ok else None
    if user is None or membership is None:
        # Name the person only if they are (or were) staff here: the log must not tell a shop's
        # owner which emails exist elsewhere on the platform.
        staff_here = user is not None and Membership.objects.filter(user=user, tenant_id=tenant.pk).exists()
        failure_record(
            throttle,
            "auth.login_failed",
            account=email,
            ip=ip,
            step="password",
            actor=user if staff_here else None,
            actor_label=email,
        )
        raise InvalidCredentials()
    throttle.succeed(account=email)
    return user, membership


@dataclass(frozen=True)
class LoginResult:
    user: User
    membership: Membership
    # Set when signed in; None while an OTP code is pending.
    token: IssuedToken | None = None
    # Set when an OTP code is needed: pass it to auth_mfa_verify with the code.
    challenge: str | None = None
    challenge_expires_at: datetime | None = None
    # Owners and admins without an authenticator may only enroll until they do.
    mfa_enrollment_required: bool = False


def _challenge_key(raw: str) -> str:
    return f"auth:challenge:{hashlib.sha256(raw.encode()).hexdigest()}"


def _signed_in(
    *, user: User, membership: Membership, tenant: Tenant, ip: str | None, method: str, token_name: str
) -> LoginResult:
    issued = token_issue(user=user, tenant_id=tenant.pk, name=token_name)
    account_audit("auth.login_succeeded", actor=user, ip=ip, details={"method": method, "channel": "api"})
    account_audit(
        "token.issued",
        actor=user,
        ip=ip,
        object_type="api_token",
        object_id=issued.token.pk,
        details={"prefix": issued.token.prefix, "name": token_name},
    )
    return LoginResult(
        user=user,
        membership=membership,
        token=issued,
        mfa_enrollment_required=mfa_enrollment_due(membership),
    )


def auth_login(
    *, tenant: Tenant, email: str, password: str, ip: str | None = None, token_name: str = ""
) -> LoginResult:
    """Check the password; answer a token, or a challenge when the user has an OTP device."""
    user, membership = credentials_check(tenant=tenant, email=email, password=password, ip=ip)
    if user_has_otp_device(user):
        raw = secrets.token_urlsafe(32)
        ttl = settings.POS_MFA_CHALLENGE_SECONDS
        expires = time.time() + ttl
        cache.set(
            _challenge_key(raw),
            {
                "user_id": str(user.pk),
                "tenant_id": tenant.pk,
                "attempts": 0,
                "expires": expires,
                "token_name": token_name,
                # Derived from the password hash: a password change meanwhile kills the challenge.
                "auth_hash": user.get_session_auth_hash(),
            },
            timeout=ttl,
        )
        # The cache answers a miss rather than an error while Redis is down (kernel.cache): a
        # challenge it did not keep could never be verified, so say so now (fail closed).
        if cache.get(_challenge_key(raw)) is None:
            raise SignInUnavailable()
        return LoginResult(
            user=user,
            membership=membership,
            challenge=raw,
            challenge_expires_at=datetime.fromtimestamp(expires, tz=timezone.get_current_timezone()),
        )
    return _signed_in(
        user=user, membership=membership, tenant=tenant, ip=ip, method="password", token_name=token_name
    )


def auth_mfa_verify(*, tenant: Tenant, challenge: str, code: str, ip: str | None = None) -> LoginResult:
    """Complete a sign-in with an authenticator code or a backup code; answers the token."""
    key = _challenge_key(challenge or "")
    data: dict[str, Any] | None = cache.get(key)
    if not data or data.get("tenant_id") != tenant.pk:
        raise MfaChallengeInvalid()
    user = User.objects.filter(pk=data["user_id"], is_active=True).first()
    if user is None or not constant_time_compare(
        str(data.get("auth_hash") or ""), user.get_session_auth_hash()
    ):
        raise MfaChallengeInvalid()
    try:
        verified: VerifiedCode = mfa_code_verify(user=user, code=code, ip=ip)
    except MfaCodeInvalid:
        data["attempts"] += 1
        remaining = int(data["expires"] - time.time())
        if data["attempts"] >= settings.POS_MFA_CHALLENGE_ATTEMPTS or remaining <= 0:
            cache.delete(key)
        else:
            cache.set(key, data, timeout=remaining)
        raise
    # Single use: of two verifications racing on one challenge, only the one that deletes it wins.
    if not cache.delete(key):
        raise MfaChallengeInvalid()
    membership = membership_for(user=user, tenant=tenant)
    if membership is None:  # deactivated meanwhile
        raise MfaChallengeInvalid()
    return _signed_in(
        user=user,
        membership=membership,
        tenant=tenant,
        ip=ip,
        method=verified.kind,
        token_name=str(data.get("token_name") or ""),
    )


def auth_logout(*, user: User, token: ApiToken | None, ip: str | None = None) -> None:
    """End an API sign-in: the token used for the request stops working."""
    if token is not None and token.revoked_at is None:
        ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        account_audit(
            "token.revoked",
            actor=user,
            ip=ip,
            object_type="api_token",
            object_id=token.pk,
            details={"prefix": token.prefix, "reason": "logout"},
        )
    account_audit("auth.logout", actor=user, ip=ip)


def invitation_digest(code: str) -> str:
    return token_digest((code or "").strip())


def invitation_accept(
    *, tenant: Tenant, code: str, password: str, full_name: str | None = None, ip: str | None = None
) -> User:
    """The invited person accepts with the code their inviter was shown once, and the membership
    becomes active. A person new to the platform chooses their password here; one who already
    has an account (at another shop) proves it with their current password, which stays as it
    is. A wrong current password counts toward the sign-in lock of the account."""
    throttle = FailureThrottle(LOGIN)
    throttle.check(account=None, ip=ip)
    now = timezone.now()
    invitation = (
        Invitation.objects.select_related("membership__user")
        .filter(digest=invitation_digest(code), membership__tenant_id=tenant.pk)
        .first()
    )
    if (
        invitation is None
        or invitation.used_at is not None
        or invitation.expires_at <= now
        or invitation.membership.accepted_at is not None
    ):
        throttle.fail(account=None, ip=ip)
        raise InvitationInvalid()
    user = invitation.membership.user
    existing_account = user.has_usable_password()
    if existing_account:
        account = email_normalise(user.email)
        throttle.check(account=account, ip=ip)
        if not user.check_password(password):
            failure_record(
                throttle,
                "auth.login_failed",
                account=account,
                ip=ip,
                step="invitation",
                actor=user,
                details={"step": "invitation"},
            )
            raise InvalidCredentials()
        throttle.succeed(account=account)
    else:
        if full_name is not None and full_name.strip():
            user.full_name = full_name.strip()[:200]
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise PasswordInvalid(details={"password": list(exc.messages)}) from exc
    with transaction.atomic():
        locked_invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        membership = Membership.objects.select_for_update().get(pk=invitation.membership_id)
        if (
            locked_invitation.used_at is not None
            or locked_invitation.expires_at <= now
            or membership.accepted_at is not None
        ):
            raise InvitationInvalid()
        if not existing_account:
            user.set_password(password)
            user.save(update_fields=["password", "full_name"])
        Invitation.objects.filter(membership=membership, used_at__isnull=True).update(used_at=now)
        membership.accepted_at = now
        membership.is_active = True
        membership.save(update_fields=["accepted_at", "is_active", "updated_at"])
        account_audit(
            "staff.invitation_accepted",
            actor=user,
            ip=ip,
            object_type="membership",
            object_id=membership.pk,
            details={"existing_account": existing_account},
        )
    return user
