"""Who may do what at the tenant a request is routed to: the one permission hook.

Every protected endpoint names an *action* (``"sale.create"``); :func:`can` answers it from the
member's role, storefront scope, expiry and active flag. The role x action matrix is documented in
``docs/permissions.md``; this module is its single source.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

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

# action -> roles allowed. Actions marked in SCOPED are limited to the member's storefront when the
# membership has one.
MATRIX: dict[str, frozenset[str]] = {
    "storefront.view": ALL_ROLES,
    "storefront.manage": STAFF_MANAGERS,
    "settings.manage": STAFF_MANAGERS,
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
    }
)


def membership_for(*, user: Any, tenant: Any) -> Membership | None:
    """The user's usable membership of the tenant, or None."""
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(tenant, "pk", None) is None:
        return None
    membership = Membership.objects.filter(user=user, tenant_id=tenant.pk).first()
    if membership is None or not membership.is_usable(timezone.now()):
        return None
    return membership


def can(membership: Membership | None, action: str, *, storefront_id: uuid.UUID | str | None = None) -> bool:
    """May this member do ``action`` (at ``storefront_id``, when the action is per storefront)?"""
    if membership is None or not membership.is_usable():
        return False
    if membership.role not in MATRIX[action]:
        return False
    if action in SCOPED and membership.storefront_id is not None and storefront_id is not None:
        return str(membership.storefront_id) == str(storefront_id)
    return True


def storefront_scope(membership: Membership) -> uuid.UUID | None:
    """The one storefront a scoped member is limited to (lists filter on it), or None for all."""
    return membership.storefront_id


class IsTenantMember(BasePermission):
    """The user has a usable membership of the tenant whose host served the request.

    Sets ``request.membership`` for the view and for :class:`Allows`.
    """

    message = "You are not a member of this shop."

    def has_permission(self, request: Request, view: Any) -> bool:
        membership = membership_for(user=request.user, tenant=getattr(request, "tenant", None))
        request.membership = membership  # type: ignore[attr-defined]
        return membership is not None


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
            return can(request.membership, action)  # type: ignore[attr-defined]

    _Allows.__name__ = f"Allows[{action}]"
    return _Allows
