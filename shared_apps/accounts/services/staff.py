"""Staff management at one tenant: invite, change role or scope, deactivate, reactivate.

Rules, enforced here for every caller:

* nobody grants a role above their own, or changes a member whose role is above theirs;
* a member limited to one storefront manages only staff of that storefront, and can only grant
  that storefront;
* an owner is never limited to a storefront nor given an expiry, and the tenant's last usable
  owner can never be demoted, deactivated or given an expiry;
* every invitation is an inactive membership with a one-time code, returned once to the inviter
  and stored as a SHA-256 digest, whether or not the email has an account: the answer tells the
  inviter nothing. The person accepts with the code (``POST /api/v1/auth/invitation/accept``,
  :func:`~shared_apps.accounts.services.auth.invitation_accept`), choosing a password if they are
  new to the platform or giving their current one; only then is the membership active.

Every write locks the tenant's owner rows first (ordered by id), then the target: two owners
demoting each other at once cannot both succeed.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_noop

from pos_platform.db import connection
from pos_platform.kernel.errors import ValidationFailed
from shared_apps.accounts.auditing import account_audit
from shared_apps.accounts.errors import (
    AlreadyMember,
    InvitationNotNeeded,
    InvitationPending,
    LastOwner,
    MemberNotFound,
    OwnerScopeInvalid,
    RoleAboveOwn,
    ScopeOutsideOwn,
    StorefrontInvalid,
)
from shared_apps.accounts.models import Invitation, Membership, User
from shared_apps.accounts.permissions import OWNER, mfa_enrolled_flag, role_at_most
from shared_apps.accounts.services.auth import email_normalise, invitation_digest
from shared_apps.accounts.tokens import token_revoke_all
from shared_apps.tenants.models import Tenant
from tenant_apps.storefronts.models import Storefront

UNSET: Any = object()


def staff_list(*, actor: Membership) -> QuerySet[Membership]:
    """The tenant's staff that the actor may see: all of it, or their storefront's."""
    qs = (
        Membership.objects.filter(tenant_id=actor.tenant_id)
        .select_related("user")
        .annotate(mfa_enrolled=mfa_enrolled_flag())
        .order_by("created_at", "pk")
    )
    if actor.storefront_id is not None:
        qs = qs.filter(storefront_id=actor.storefront_id)
    return qs


def staff_get(*, actor: Membership, membership_id: Any) -> Membership:
    member = staff_list(actor=actor).filter(pk=_uuid_or_404(membership_id)).first()
    if member is None:
        raise MemberNotFound()
    return member


def _uuid_or_404(value: Any) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise MemberNotFound() from exc


def _check_shape(*, role: str, storefront_id: uuid.UUID | None, expires_at: datetime | None) -> None:
    if role == OWNER and (storefront_id is not None or expires_at is not None):
        raise OwnerScopeInvalid()
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed(details={"expires_at": ["Must be in the future."]})
    if storefront_id is not None and not Storefront.objects.filter(pk=storefront_id, is_active=True).exists():
        raise StorefrontInvalid(details={"storefront_id": str(storefront_id)})


def _check_reach(actor: Membership, *, role: str, storefront_id: uuid.UUID | None) -> None:
    if not role_at_most(role, actor.role):
        raise RoleAboveOwn(details={"role": role, "your_role": actor.role})
    if actor.storefront_id is not None and storefront_id != actor.storefront_id:
        raise ScopeOutsideOwn(details={"storefront_id": str(actor.storefront_id)})


def _lock_target(actor: Membership, membership_id: Any) -> tuple[Membership, list[Membership]]:
    owners = list(
        Membership.objects.select_for_update().filter(tenant_id=actor.tenant_id, role=OWNER).order_by("pk")
    )
    target = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(pk=_uuid_or_404(membership_id), tenant_id=actor.tenant_id)
        .first()
    )
    if target is None or (actor.storefront_id is not None and target.storefront_id != actor.storefront_id):
        raise MemberNotFound()
    if not role_at_most(target.role, actor.role):
        raise RoleAboveOwn(details={"member_role": target.role, "your_role": actor.role})
    return target, owners


def _guard_last_owner(target: Membership, owners: list[Membership]) -> None:
    now = timezone.now()
    if target.role == OWNER and not any(o.pk != target.pk and o.is_usable(now) for o in owners):
        raise LastOwner()


def _invitation_issue(*, membership: Membership, created_by: User | None) -> tuple[str, Invitation]:
    code = secrets.token_urlsafe(24)
    now = timezone.now()
    Invitation.objects.filter(membership=membership, used_at__isnull=True, expires_at__gt=now).update(
        expires_at=now
    )
    invitation = Invitation.objects.create(
        membership=membership,
        digest=invitation_digest(code),
        created_by=created_by,
        expires_at=now + timedelta(seconds=settings.POS_INVITATION_SECONDS),
    )
    return code, invitation


def _invitee_phone(phone: str) -> str:
    if not phone or not phone.strip():
        return ""
    from shared_apps.messaging.addresses import phone_normalise

    country = getattr(getattr(connection, "tenant", None), "country", None)
    return phone_normalise(phone, region=country)


def _invitation_send(
    *, actor: Membership, membership: Membership, code: str, invitation: Invitation, phone: str
) -> None:
    """The invitation as a link, by e-mail (and SMS when a phone was given), in this transaction."""
    from shared_apps.messaging.links import shop_url
    from shared_apps.messaging.services import message_queue, user_language

    tenant = Tenant.objects.get(pk=actor.tenant_id)
    language = user_language(user_id=membership.user_id, tenant_id=tenant.pk)
    context = {
        "shop_name": tenant.name,
        "inviter": actor.user.full_name or actor.user.email,
        "role": membership.get_role_display(),
        "expires": timezone.localtime(invitation.expires_at).strftime("%Y-%m-%d %H:%M"),
        "code": code,
        "url": shop_url(tenant_id=tenant.pk, path=f"/portal/invitation?code={code}"),
    }
    channels = [("email", membership.user.email)] + ([("sms", phone)] if phone else [])
    for channel, to in channels:
        message_queue(
            key=f"invitation:{invitation.pk}:{channel}",
            kind="invitation",
            category="security",
            channel=channel,
            to=to,
            language=language,
            tenant_id=tenant.pk,
            user_id=membership.user_id,
            context=context,
        )


def _snapshot(member: Membership) -> dict[str, Any]:
    return {
        "role": member.role,
        "storefront_id": str(member.storefront_id) if member.storefront_id else None,
        "expires_at": member.expires_at.isoformat() if member.expires_at else None,
        "is_active": member.is_active,
    }


def _audit(action: str, *, actor: Membership, member: Membership, ip: str | None, **details: Any) -> None:
    """A staff change in the shop's audit log, naming the member by email."""
    account_audit(
        action,
        actor=actor.user,
        ip=ip,
        object_type="membership",
        object_id=member.pk,
        storefront_id=member.storefront_id,
        details={"email": member.user.email, **details},
    )


@dataclass(frozen=True)
class StaffInvited:
    membership: Membership
    # Shown once to the inviter, whoever the person is: they accept with it.
    invitation_code: str
    invitation_expires_at: datetime


@transaction.atomic
def staff_invite(
    *,
    actor: Membership,
    email: str,
    role: str,
    storefront_id: uuid.UUID | None = None,
    expires_at: datetime | None = None,
    full_name: str = "",
    phone: str = "",
    ip: str | None = None,
) -> StaffInvited:
    email = email_normalise(email)
    _check_shape(role=role, storefront_id=storefront_id, expires_at=expires_at)
    phone = _invitee_phone(phone)
    _check_reach(actor, role=role, storefront_id=storefront_id)
    # A person new to the platform gets an account without a password: they choose it on accepting.
    user, _ = User.objects.get_or_create(
        email=email, defaults={"password": make_password(None), "full_name": full_name.strip()[:200]}
    )
    try:
        with transaction.atomic():
            # Inactive until the person accepts with the code, whether or not they have an account
            # (at another shop): the answer is the same either way, so it tells the inviter nothing.
            membership = Membership.objects.create(
                user=user,
                tenant_id=actor.tenant_id,
                role=role,
                storefront_id=storefront_id,
                expires_at=expires_at,
                invited_by=actor.user,
                is_active=False,
                accepted_at=None,
            )
    except IntegrityError as exc:  # a member already (the user-and-tenant constraint decides)
        raise AlreadyMember(details={"email": email}) from exc
    code, invitation = _invitation_issue(membership=membership, created_by=actor.user)
    _invitation_send(actor=actor, membership=membership, code=code, invitation=invitation, phone=phone)
    _audit("staff.invited", actor=actor, member=membership, ip=ip, **_snapshot(membership))
    return StaffInvited(
        membership=membership, invitation_code=code, invitation_expires_at=invitation.expires_at
    )


@transaction.atomic
def staff_update(
    *,
    actor: Membership,
    membership_id: Any,
    role: str = UNSET,
    storefront_id: uuid.UUID | None = UNSET,
    expires_at: datetime | None = UNSET,
    ip: str | None = None,
) -> Membership:
    """Change a member's role, storefront scope or expiry (fields left UNSET stay)."""
    target, owners = _lock_target(actor, membership_id)
    before = _snapshot(target)
    new_role = target.role if role is UNSET else role
    new_scope = target.storefront_id if storefront_id is UNSET else storefront_id
    new_expiry = target.expires_at if expires_at is UNSET else expires_at
    if new_scope != target.storefront_id or new_expiry != target.expires_at or new_role != target.role:
        _check_shape(
            role=new_role,
            storefront_id=new_scope,
            # An unchanged past expiry is not this request's doing.
            expires_at=new_expiry if new_expiry != target.expires_at else None,
        )
    _check_reach(actor, role=new_role, storefront_id=new_scope)
    if new_role != OWNER:
        _guard_last_owner(target, owners)
    target.role, target.storefront_id, target.expires_at = new_role, new_scope, new_expiry
    target.save(update_fields=["role", "storefront_id", "expires_at", "updated_at"])
    after = _snapshot(target)
    if after != before:
        action = "staff.role_changed" if after["role"] != before["role"] else "staff.updated"
        _audit(action, actor=actor, member=target, ip=ip, before=before, after=after)
    return target


@transaction.atomic
def staff_deactivate(*, actor: Membership, membership_id: Any, ip: str | None = None) -> Membership:
    """Take away a member's access (their tokens at this tenant are revoked); data is kept."""
    target, owners = _lock_target(actor, membership_id)
    if target.accepted_at is None:
        # Withdrawing an invitation: its code stops working.
        Invitation.objects.filter(
            membership=target, used_at__isnull=True, expires_at__gt=timezone.now()
        ).update(expires_at=timezone.now())
    if target.is_active:
        _guard_last_owner(target, owners)
        target.is_active = False
        target.save(update_fields=["is_active", "updated_at"])
        revoked = token_revoke_all(
            user_id=target.user_id, tenant_id=target.tenant_id, actor=actor.user, ip=ip, reason="deactivated"
        )
        _audit(
            "staff.deactivated", actor=actor, member=target, ip=ip, role=target.role, tokens_revoked=revoked
        )
    return target


@transaction.atomic
def staff_reactivate(*, actor: Membership, membership_id: Any, ip: str | None = None) -> Membership:
    target, _ = _lock_target(actor, membership_id)
    _check_reach(actor, role=target.role, storefront_id=target.storefront_id)
    if target.accepted_at is None:
        raise InvitationPending()
    if not target.is_active:
        target.is_active = True
        target.save(update_fields=["is_active", "updated_at"])
        _audit("staff.reactivated", actor=actor, member=target, ip=ip, role=target.role)
    return target


@transaction.atomic
def staff_invitation_renew(*, actor: Membership, membership_id: Any, ip: str | None = None) -> StaffInvited:
    """A new invitation code for a member who has not accepted yet (the old one dies)."""
    target, _ = _lock_target(actor, membership_id)
    if target.accepted_at is not None:
        raise InvitationNotNeeded()
    code, invitation = _invitation_issue(membership=target, created_by=actor.user)
    _invitation_send(actor=actor, membership=target, code=code, invitation=invitation, phone="")
    _audit("staff.invitation_renewed", actor=actor, member=target, ip=ip)
    return StaffInvited(membership=target, invitation_code=code, invitation_expires_at=invitation.expires_at)


@transaction.atomic
def staff_mfa_reset(*, actor: Membership, membership_id: Any, ip: str | None = None) -> Membership:
    """An owner removes a staff member's authenticator and backup codes (a lost phone): the member
    must enrol again at their next sign-in, their tokens at this shop are revoked, they are told
    by e-mail, and the shop's log records it.

    An authenticator belongs to the person, not the shop: someone who also works at another shop
    is refused here (``mfa_reset_elsewhere``), and platform staff reset it after checking their
    identity (``manage.py tenant mfa-reset``)."""
    from shared_apps.accounts.errors import MfaResetElsewhere, MfaResetSelf
    from shared_apps.accounts.mfa import mfa_devices_remove

    target, _ = _lock_target(actor, membership_id)
    if target.user_id == actor.user_id:
        raise MfaResetSelf()
    if Membership.objects.filter(user_id=target.user_id).exclude(tenant_id=actor.tenant_id).exists():
        raise MfaResetElsewhere()
    removed = mfa_devices_remove(user=target.user)
    revoked = token_revoke_all(
        user_id=target.user_id, tenant_id=target.tenant_id, actor=actor.user, ip=ip, reason="mfa_reset"
    )
    _audit("mfa.reset", actor=actor, member=target, ip=ip, had_device=removed, tokens_revoked=revoked)
    mfa_reset_notify(
        user=target.user, tenant_id=target.tenant_id, by=actor.user.full_name or actor.user.email
    )
    return target


def mfa_reset_notify(*, user: User, tenant_id: int, by: str) -> None:
    from shared_apps.messaging.links import shop_url
    from shared_apps.messaging.services import message_queue, user_language

    tenant = Tenant.objects.get(pk=tenant_id)
    message_queue(
        key=f"mfa_reset:{user.pk}:{tenant_id}:{timezone.now().timestamp()}",
        kind="mfa_reset",
        category="security",
        channel="email",
        to=user.email,
        language=user_language(user_id=user.pk, tenant_id=tenant_id),
        tenant_id=tenant_id,
        user_id=user.pk,
        context={
            "shop_name": tenant.name,
            "by": by,
            "url": shop_url(tenant_id=tenant_id, path="/portal/login"),
        },
    )


@transaction.atomic
def platform_mfa_reset(*, tenant: Tenant, email: str, identity_check: str, actor: str) -> Membership:
    """Platform staff remove a member's authenticator (usually an owner who lost their phone and
    their backup codes), after checking who they are; ``identity_check`` says how, for the
    platform log. Their tokens at every shop are revoked (the authenticator guarded them all),
    they are told by e-mail, and both the platform log and the shop's log record it."""
    from django_tenants.utils import tenant_context

    from shared_apps.accounts.mfa import mfa_devices_remove
    from shared_apps.accounts.services.password import credentials_revoke
    from shared_apps.audit.services import platform_audit_record

    check = " ".join((identity_check or "").split())
    if len(check) < 10:
        raise ValidationFailed(
            gettext_noop(
                "Say how the person's identity was checked (at least 10 characters), for the audit log."
            ),
            code="identity_check_required",
        )
    membership = (
        Membership.objects.select_for_update()
        .select_related("user")
        .filter(tenant_id=tenant.pk, user__email=email_normalise(email))
        .first()
    )
    if membership is None:
        raise MemberNotFound(details={"email": email})
    user = membership.user
    removed = mfa_devices_remove(user=user)
    with tenant_context(tenant):
        revoked = credentials_revoke(user=user, tenant=tenant, keep_token=None, reason="mfa_reset")
        account_audit(
            "mfa.reset",
            actor_label=f"platform:{actor}",
            object_type="membership",
            object_id=membership.pk,
            details={
                "email": user.email,
                "by": "platform",
                "had_device": removed,
                "tokens_revoked": revoked.here,
            },
        )
    platform_audit_record(
        actor=actor,
        action="tenant.mfa_reset",
        tenant_slug=tenant.slug,
        details={
            "email": user.email,
            "role": membership.role,
            "identity_check": check[:500],
            "had_device": removed,
            "tokens_revoked": revoked.total,
        },
    )
    mfa_reset_notify(user=user, tenant_id=tenant.pk, by="platform support")
    return membership
