"""Reads of people and memberships for pages that name them (sales by cashier, a sale's events)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import Q

from shared_apps.accounts.models import Membership, User


def people_names(*, user_ids: Iterable[uuid.UUID | str | None]) -> dict[str, str]:
    """Public user id (as text) -> the person's name, or their email when they gave none."""
    ids = {str(i) for i in user_ids if i}
    if not ids:
        return {}
    return {
        str(pk): (name or email)
        for pk, name, email in User.objects.filter(pk__in=ids).values_list("pk", "full_name", "email")
    }


def member_choices(*, tenant_id: int, storefront_id: uuid.UUID | None = None) -> list[tuple[str, str]]:
    """(user id, name) of the shop's members (those of one storefront, and the unscoped, when
    given), for filters of sales by cashier."""
    qs = Membership.objects.filter(tenant_id=tenant_id).select_related("user").order_by("user__email")
    if storefront_id is not None:
        qs = qs.filter(Q(storefront_id=storefront_id) | Q(storefront_id__isnull=True))
    return [(str(m.user_id), m.user.full_name or m.user.email) for m in qs]
