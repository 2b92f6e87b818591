"""Who may act at the tenant a request is routed to."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from shared_apps.accounts.models import Membership


def membership_for(*, user: Any, tenant: Any) -> Membership | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    if getattr(tenant, "pk", None) is None:
        return None
    return Membership.objects.filter(user=user, tenant_id=tenant.pk).first()


class IsTenantMember(BasePermission):
    """The user belongs to the tenant whose host served the request."""

    message = "You are not a member of this shop."

    def has_permission(self, request: Request, view: Any) -> bool:
        membership = membership_for(user=request.user, tenant=getattr(request, "tenant", None))
        request.membership = membership  # type: ignore[attr-defined]
        return membership is not None
