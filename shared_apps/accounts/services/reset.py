"""Choosing a password by a link sent by e-mail: a forgotten password, or a new owner's first one.

* **Asking** (:func:`password_reset_request`) answers the same whether or not the e-mail belongs
  to staff of this shop; only staff get a message. Requests are throttled per client IP and per
  e-mail typed (any e-mail, known or not, so the limit reveals nothing).
* **The link** carries a 256-bit token, stored as a SHA-256 digest, bound to the shop it was
  asked at, valid ``POS_PASSWORD_RESET_SECONDS`` (a new owner's: ``POS_OWNER_WELCOME_SECONDS``),
  usable once, and dead as soon as the password changes by any other way.
* **Using it** (:func:`password_reset_confirm`) sets the password, and every other credential of
  the person dies: their API tokens at every shop, their portal sessions and pending sign-in
  challenges (both carry the old password hash), and every other reset link. The shop's audit
  log records it, and the person is told by e-mail.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import Throttled
from pos_platform.kernel.throttle import Limit, throttle_fail, throttle_wait
from shared_apps.accounts.auditing import account_audit
from shared_apps.accounts.errors import PasswordInvalid, ResetTokenInvalid
from shared_apps.accounts.models import Membership, PasswordReset, User
from shared_apps.accounts.permissions import membership_for
from shared_apps.accounts.services.auth import email_normalise
from shared_apps.accounts.services.password import credentials_revoke
from shared_apps.accounts.throttling import requests_throttle
from shared_apps.accounts.tokens import token_digest
from shared_apps.messaging.links import shop_url
from shared_apps.messaging.services import message_queue, user_language
from shared_apps.tenants.models import Tenant

RESET_PATH = "/portal/password-reset/confirm?token="
_WINDOW = 3600


def _throttle_request(*, email: str, ip: str | None) -> None:
    counted = [(Limit("reset.ip", settings.POS_PASSWORD_RESET_PER_IP, _WINDOW), ip)] if ip else []
    counted.append(
        (
            Limit("reset.email", settings.POS_PASSWORD_RESET_PER_EMAIL, _WINDOW),
            hashlib.sha256(email.encode()).hexdigest()[:32],
        )
    )
    requests_throttle(
        counted, message=gettext_noop("Too many password reset requests; wait before asking again.")
    )


def _confirm_limit() -> Limit:
    return Limit("reset.confirm.ip", settings.POS_LOGIN_MAX_FAILURES_IP, settings.POS_THROTTLE_WINDOW_SECONDS)


def reset_link_issue(*, user: User, tenant: Tenant, purpose: str) -> tuple[str, PasswordReset]:
    """A new link for the person at the shop (in the caller's transaction); its raw token."""
    raw = secrets.token_urlsafe(32)
    seconds = (
        settings.POS_OWNER_WELCOME_SECONDS
        if purpose == PasswordReset.Purpose.WELCOME
        else settings.POS_PASSWORD_RESET_SECONDS
    )
    reset = PasswordReset.objects.create(
        user=user,
        tenant=tenant,
        purpose=purpose,
        digest=token_digest(raw),
        fingerprint=user.get_session_auth_hash(),
        expires_at=timezone.now() + timedelta(seconds=seconds),
    )
    return raw, reset


def password_reset_request(*, tenant: Tenant, email: str, ip: str | None = None) -> None:
    """Send a reset link to ``email`` if it belongs to staff of this shop. Answers nothing either
    way: the caller shows the same page or answer to everyone."""
    email = email_normalise(email)
    _throttle_request(email=email, ip=ip)
    user = User.objects.filter(email=email, is_active=True).first() if email else None
    membership = membership_for(user=user, tenant=tenant) if user is not None else None
    if user is None or membership is None:
        account_audit(
            "auth.password_reset_requested", actor_label=email[:254], ip=ip, details={"sent": False}
        )
        return
    with transaction.atomic():
        raw, reset = reset_link_issue(user=user, tenant=tenant, purpose=PasswordReset.Purpose.RESET)
        message_queue(
            key=f"password_reset:{reset.pk}",
            kind="password_reset",
            category="security",
            channel="email",
            to=user.email,
            language=user_language(user_id=user.pk, tenant_id=tenant.pk),
            tenant_id=tenant.pk,
            user_id=user.pk,
            context={
                "shop_name": tenant.name,
                "url": shop_url(tenant_id=tenant.pk, path=RESET_PATH + raw),
                "minutes": settings.POS_PASSWORD_RESET_SECONDS // 60,
            },
        )
        account_audit(
            "auth.password_reset_requested",
            actor=user,
            ip=ip,
            object_type="user",
            object_id=user.pk,
            details={"sent": True},
        )


@dataclass(frozen=True)
class PasswordResetDone:
    user: User
    revoked_tokens: int


def _usable(reset: PasswordReset | None, tenant: Tenant) -> bool:
    if reset is None or reset.tenant_id != tenant.pk or reset.used_at is not None:
        return False
    if reset.expires_at <= timezone.now() or not reset.user.is_active:
        return False
    if reset.user.get_session_auth_hash() != reset.fingerprint:
        return False
    membership = Membership.objects.filter(user_id=reset.user_id, tenant_id=tenant.pk).first()
    return membership is not None and membership.is_usable()


def _throttle_confirm(ip: str | None) -> None:
    if ip and (wait := throttle_wait(_confirm_limit(), ip)):
        raise Throttled(
            gettext_noop("Too many invalid links from this address; wait before trying again."),
            details={"retry_after": wait},
        )


def reset_link_check(*, tenant: Tenant, token: str, ip: str | None = None) -> PasswordReset:
    """The link's reset if it can still be used at this shop, else ``ResetTokenInvalid`` (counted
    per client IP: guessing links is throttled like guessing passwords)."""
    _throttle_confirm(ip)
    reset = (
        PasswordReset.objects.select_related("user")
        .filter(digest=token_digest((token or "").strip()))
        .first()
    )
    if not _usable(reset, tenant):
        if ip:
            throttle_fail(_confirm_limit(), ip)
        raise ResetTokenInvalid()
    assert reset is not None
    return reset


def password_reset_confirm(
    *, tenant: Tenant, token: str, new_password: str, ip: str | None = None, channel: str = "api"
) -> PasswordResetDone:
    """Set a new password with a link's token; see the module docstring for what else happens."""
    reset = reset_link_check(tenant=tenant, token=token, ip=ip)
    try:
        validate_password(new_password, user=reset.user)
    except ValidationError as exc:
        raise PasswordInvalid(details={"password": list(exc.messages)}) from exc
    with transaction.atomic():
        locked = PasswordReset.objects.select_for_update().select_related("user").get(pk=reset.pk)
        user = User.objects.select_for_update().get(pk=locked.user_id)
        locked.user = user
        if not _usable(locked, tenant):  # used or overtaken meanwhile
            raise ResetTokenInvalid()
        now = timezone.now()
        user.set_password(new_password)
        user.save(update_fields=["password"])
        PasswordReset.objects.filter(user_id=user.pk, used_at__isnull=True).update(used_at=now)
        revoked = credentials_revoke(user=user, tenant=tenant, keep_token=None, reason="password_reset")
        account_audit(
            "auth.password_reset",
            actor=user,
            ip=ip,
            object_type="user",
            object_id=user.pk,
            details={"channel": channel, "purpose": locked.purpose, "tokens_revoked": revoked.here},
        )
        if locked.purpose == PasswordReset.Purpose.RESET:
            language = user_language(user_id=user.pk, tenant_id=tenant.pk)
            with translation.override(language):
                when = timezone.localtime(now).strftime("%Y-%m-%d %H:%M %Z")
            message_queue(
                key=f"password_changed:{locked.pk}",
                kind="password_changed",
                category="security",
                channel="email",
                to=user.email,
                language=language,
                tenant_id=tenant.pk,
                user_id=user.pk,
                context={
                    "shop_name": tenant.name,
                    "when": when,
                    "reset_url": shop_url(tenant_id=tenant.pk, path="/portal/password-reset"),
                },
            )
    return PasswordResetDone(user=user, revoked_tokens=revoked.total)
