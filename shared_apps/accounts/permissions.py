"""Who may do what at the tenant a request is routed to: the one permission hook.

Every protected endpoint names an *action* (``"sale.create"``); :func:`can` answers it from the
member's role, storefront scope, expiry and active flag. The role x action matrix is documented in
``docs/permissions.md``, whose table is generated from :data:`MATRIX` (``manage.py
permissions_doc --write``; a test fails when they differ).

MFA is enforced here too, for every view that uses :class:`IsTenantMember` or :func:`Allows`: an
owner, admin or platform-staff member without a confirmed authenticator gets
``403 mfa_enrollment_required`` everywhere except views that declare ``mfa_exempt = True`` (sign-in,
logout, the MFA enrollment endpoints, ``/auth/me``). A bearer token is only issued after the OTP
step, and a session that has not passed it is not authenticated at all
(:class:`~shared_apps.accounts.authentication.OTPSessionAuthentication`).
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol, cast

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from shared_apps.accounts.errors import MfaEnrollmentRequired
from shared_apps.accounts.models import Membership

OWNER, ADMIN, MANAGER, CASHIER = (
    Membership.Role.OWNER,
    Membership.Role.ADMIN,
    Membership.Role.MANAGER,
    Membership.Role.CASHIER,
)
ALL_ROLES = frozenset({OWNER, ADMIN, MANAGER, CASHIER})
STAFF_MANAGERS = frozenset({OWNER, ADMIN})
SUPERVISORS = frozenset({OWNER, ADMIN, MANAGER})
# Nobody grants a role above their own, or changes a member whose role is above theirs.
ROLE_RANK: dict[str, int] = {OWNER: 4, ADMIN: 3, MANAGER: 2, CASHIER: 1}
ROLES_IN_ORDER = (OWNER, ADMIN, MANAGER, CASHIER)
MFA_ROLES = frozenset({OWNER, ADMIN})

# action -> roles allowed. Actions marked in SCOPED are limited to the member's storefront when the
# membership has one.
MATRIX: dict[str, frozenset[str]] = {
    "storefront.view": ALL_ROLES,
    "storefront.manage": STAFF_MANAGERS,
    "settings.manage": STAFF_MANAGERS,
    "settings.timezone": frozenset({OWNER}),
    "catalog.view": ALL_ROLES,
    "catalog.manage": STAFF_MANAGERS,
    "tax.manage": STAFF_MANAGERS,
    "stock.view": ALL_ROLES,
    "stock.receive": SUPERVISORS,
    "stock.adjust": SUPERVISORS,
    "stock.count": SUPERVISORS,
    "stock.transfer": SUPERVISORS,
    "sale.create": ALL_ROLES,
    "sale.view": ALL_ROLES,
    "sale.void": SUPERVISORS,
    "sale.refund": SUPERVISORS,
    "shift.operate": ALL_ROLES,
    "shift.view": SUPERVISORS,
    "shift.manage": SUPERVISORS,
    "report.view": SUPERVISORS,
    "report.export": SUPERVISORS,
    "staff.view": SUPERVISORS,
    "staff.manage": STAFF_MANAGERS,
    "token.manage_others": frozenset({OWNER}),
    "staff.mfa_reset": frozenset({OWNER}),
    "audit.view": STAFF_MANAGERS,
    "terminal.manage": SUPERVISORS,
    "conflict.view": SUPERVISORS,
    "conflict.resolve": SUPERVISORS,
    "billing.view": STAFF_MANAGERS,
}

SCOPED = frozenset(
    {
        "storefront.view",
        "stock.view",
        "stock.receive",
        "stock.adjust",
        "stock.count",
        "stock.transfer",
        "sale.create",
        "sale.view",
        "sale.void",
        "sale.refund",
        "shift.operate",
        "shift.view",
        "shift.manage",
        "report.view",
        "report.export",
        "terminal.manage",
        "conflict.view",
        "conflict.resolve",
        "staff.view",
        "staff.manage",
    }
)


def mfa_enrolled_flag() -> Exists:
    """Whether the row's ``user_id`` has a confirmed authenticator: the ``mfa_enrolled``
    annotation that :func:`mfa_gate` reads, for any model with a ``user_id``."""
    return Exists(TOTPDevice.objects.filter(user_id=OuterRef("user_id"), confirmed=True))


def membership_for(*, user: Any, tenant: Any) -> Membership | None:
    """The user's usable membership of the tenant, or None.

    One query; the membership carries ``mfa_enrolled`` (a confirmed authenticator) and its user.
    """
    if user is None or not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", True):
        return None
    if getattr(tenant, "pk", None) is None:
        return None
    membership = (
        Membership.objects.select_related("user")
        .annotate(mfa_enrolled=mfa_enrolled_flag())
        .filter(user_id=user.pk, tenant_id=tenant.pk)
        .first()
    )
    return usable_or_none(membership)


def usable_or_none(membership: Membership | None) -> Membership | None:
    return membership if membership is not None and membership.is_usable(timezone.now()) else None


def mfa_required_for(membership: Membership) -> bool:
    """Owners, admins and platform staff must have MFA."""
    return membership.role in MFA_ROLES or bool(membership.user.is_platform_staff)


def mfa_enrollment_due(membership: Membership) -> bool:
    """A member who must use MFA and has no authenticator yet: held at enrollment. Reads the
    ``mfa_enrolled`` annotation (:func:`mfa_enrolled_flag`) of the membership's lookup."""
    return mfa_required_for(membership) and not getattr(membership, "mfa_enrolled", False)


def mfa_gate(membership: Membership) -> None:
    """Raise ``mfa_enrollment_required`` for a member who must use MFA and has not set it up."""
    if mfa_enrollment_due(membership):
        raise MfaEnrollmentRequired()


def role_at_most(role: str, ceiling: str) -> bool:
    """Is ``role`` at or below ``ceiling``?"""
    return ROLE_RANK[role] <= ROLE_RANK[ceiling]


def role_allows(
    role: str, scope: uuid.UUID | None, action: str, storefront_id: uuid.UUID | str | None = None
) -> bool:
    """Does ``role``, limited to the storefront ``scope`` (None: all), allow ``action`` (at
    ``storefront_id``, when the action is per storefront)? The rule for a usable member, now
    (:func:`can`) or at a past moment (:mod:`shared_apps.accounts.history`)."""
    if role not in MATRIX[action]:
        return False
    if action in SCOPED and scope is not None and storefront_id is not None:
        return str(scope) == str(storefront_id)
    return True


def can(membership: Membership | None, action: str, *, storefront_id: uuid.UUID | str | None = None) -> bool:
    """May this member do ``action`` (at ``storefront_id``, when the action is per storefront)?"""
    if membership is None or not membership.is_usable():
        return False
    return role_allows(membership.role, membership.storefront_id, action, storefront_id)


def request_membership(request: Request) -> Membership | None:
    """The membership the permission classes attached to the request (None if not checked)."""
    return getattr(request, "membership", None)


def storefront_scope(membership: Membership | None) -> uuid.UUID | None:
    """The one storefront a scoped member is limited to (lists filter on it), or None for all."""
    return membership.storefront_id if membership is not None else None


_UNSET = object()


class _Routed(Protocol):
    """What the permission classes read and set on a request (the API's TenantRequest)."""

    auth: Any
    user: Any
    membership: Membership | None


class IsTenantMember(BasePermission):
    """The user has a usable membership of the tenant whose host served the request, and has
    MFA if their role requires it (unless the view sets ``mfa_exempt = True``).

    Sets ``request.membership`` for the view and for :class:`Allows`.
    """

    message = "You are not a member of this shop."

    def has_permission(self, request: Request, view: Any) -> bool:
        routed = cast(_Routed, request)
        # Several permission classes on one view share one lookup.
        if not hasattr(routed, "membership"):
            # A bearer token comes loaded with its user's membership of its tenant (same query).
            loaded = getattr(routed.auth, "tenant_membership", _UNSET)
            if loaded is _UNSET:
                found = membership_for(user=routed.user, tenant=getattr(routed, "tenant", None))
            else:
                found = usable_or_none(cast("Membership | None", loaded))
            routed.membership = found
        membership = routed.membership
        if membership is None:
            return False
        if not getattr(view, "mfa_exempt", False):
            mfa_gate(membership)
        return True


def Allows(action: str) -> type[BasePermission]:
    """A DRF permission class for one action: ``permission_classes = [Allows("sale.create")]``.

    Storefront scope is checked here for the whole tenant; views that act on one storefront call
    :func:`can` with its id as well.
    """
    if action not in MATRIX:
        raise KeyError(f"unknown action {action!r}")

    class _Allows(IsTenantMember):
        message = "Your role does not allow this."

        def has_permission(self, request: Request, view: Any) -> bool:
            if not super().has_permission(request, view):
                self.message = IsTenantMember.message
                return False
            return can(cast(_Routed, request).membership, action)

    _Allows.__name__ = f"Allows[{action}]"
    return _Allows


def render_matrix_markdown() -> str:
    """The role x action table of docs/permissions.md, generated from :data:`MATRIX`."""
    header = "| Action | " + " | ".join(ROLES_IN_ORDER) + " | per storefront |"
    lines = [header, "| --- |" + " --- |" * (len(ROLES_IN_ORDER) + 1)]
    no = "\u2013"  # an en dash, as in the rest of the docs
    for action, roles in MATRIX.items():
        cells = ["yes" if role in roles else no for role in ROLES_IN_ORDER]
        cells.append("yes" if action in SCOPED else no)
        lines.append(f"| `{action}` | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
