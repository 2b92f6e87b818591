"""Changing one's own password, from the API or the portal.

The person proves the current password. A wrong one counts toward the sign-in throttle of the
account (the same per-email and per-IP counters as ``auth_login``), so that a stolen API token or
an unattended portal session cannot be used to guess the password; while the account is locked
every attempt, right or wrong, answers ``429 throttled``, and failures and lockouts are audited as
at sign-in. The new password must pass ``AUTH_PASSWORD_VALIDATORS`` (run with the user) and differ
from the current one.

On success every other credential of the person dies: their API tokens at every shop, except the
one making the request, and (through Django's session auth hash, derived from the password hash)
every portal session and every MFA challenge of a sign-in still waiting for its code. The caller
keeps its own session with ``update_session_auth_hash``.

As at sign-in, the checks do not run in one outer transaction: a failure's audit event and
throttle count must survive the error raised after them. The change itself is one transaction.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_tenants.utils import tenant_context

from shared_apps.accounts.auditing import account_audit, failure_record
from shared_apps.accounts.errors import PasswordIncorrect, PasswordInvalid
from shared_apps.accounts.models import ApiToken, User
from shared_apps.accounts.services.auth import email_normalise
from shared_apps.accounts.throttling import LOGIN, FailureThrottle
from shared_apps.tenants.models import Tenant

_UNCHANGED = gettext_noop("The new password is the same as the current one; choose another.")


@dataclass(frozen=True)
class PasswordChanged:
    # The user as saved, with the new password hash (for ``update_session_auth_hash``).
    user: User
    # The person's API tokens revoked, at every shop they work for.
    revoked_tokens: int


def password_change(
    *,
    user: User,
    tenant: Tenant,
    current_password: str,
    new_password: str,
    keep_token: ApiToken | None = None,
    ip: str | None = None,
    channel: str = "api",
) -> PasswordChanged:
    """Replace the user's password; revoke their API tokens except ``keep_token``.

    Raises ``Throttled`` while the account or IP is locked, ``PasswordIncorrect`` (counted and
    audited) for a wrong current password, ``PasswordInvalid`` for a new password that the
    validators refuse or that equals the current one. On any of them the account, its tokens
    and its sessions are left as they were; only a wrong password is counted and audited.
    """
    account = email_normalise(user.email)
    throttle = FailureThrottle(LOGIN)
    throttle.check(account=account, ip=ip)
    if not user.check_password(current_password):
        failure_record(
            throttle,
            "auth.password_change_failed",
            account=account,
            ip=ip,
            step="password_change",
            actor=user,
            details={"channel": channel},
        )
        raise PasswordIncorrect()
    throttle.succeed(account=account)
    if new_password == current_password:
        raise PasswordInvalid(_UNCHANGED, details={"password": [_UNCHANGED]})
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise PasswordInvalid(details={"password": list(exc.messages)}) from exc
    return _password_replace(
        user=user,
        tenant=tenant,
        current_password=current_password,
        new_password=new_password,
        keep_token=keep_token,
        ip=ip,
        channel=channel,
    )


@transaction.atomic
def _password_replace(
    *,
    user: User,
    tenant: Tenant,
    current_password: str,
    new_password: str,
    keep_token: ApiToken | None,
    ip: str | None,
    channel: str,
) -> PasswordChanged:
    locked = User.objects.select_for_update().get(pk=user.pk)
    # Another change may have committed since the check: the password checked must still be it.
    if locked.password != user.password and not locked.check_password(current_password):
        raise PasswordIncorrect()
    locked.set_password(new_password)
    locked.save(update_fields=["password"])

    revoked = credentials_revoke(user=locked, tenant=tenant, keep_token=keep_token, reason="password_changed")
    account_audit(
        "auth.password_changed",
        actor=locked,
        ip=ip,
        object_type="user",
        object_id=locked.pk,
        details={"channel": channel, "tokens_revoked": revoked.here},
    )
    return PasswordChanged(user=locked, revoked_tokens=revoked.total)


@dataclass(frozen=True)
class Revoked:
    total: int
    # Of which at the shop being served.
    here: int


def credentials_revoke(*, user: User, tenant: Tenant, keep_token: ApiToken | None, reason: str) -> Revoked:
    """Revoke the person's live API tokens at every shop (but ``keep_token``), in the caller's
    transaction; the other shops' logs say why, and nothing about this shop. Portal sessions and
    pending MFA challenges die with the password hash they carry."""
    now = timezone.now()
    live = ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True, expires_at__gt=now)
    if keep_token is not None:
        live = live.exclude(pk=keep_token.pk)
    rows = list(live.select_for_update().order_by("pk").values_list("pk", "tenant_id"))
    ApiToken.objects.filter(pk__in=[pk for pk, _ in rows]).update(revoked_at=now)
    by_tenant = Counter(tenant_id for _, tenant_id in rows)
    here = by_tenant.pop(tenant.pk, 0)
    for other in Tenant.objects.filter(pk__in=list(by_tenant)).order_by("pk"):
        with tenant_context(other):
            account_audit(
                "token.revoked",
                actor=user,
                object_type="user",
                object_id=user.pk,
                details={"count": by_tenant[other.pk], "reason": reason},
            )
    return Revoked(total=len(rows), here=here)
