"""A member's rights at a past moment, from the membership history the triggers keep.

Offline operations are uploaded hours after they happened: a cashier deactivated this morning
still made the sales of last night, and one hired this afternoon made none of them.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection

from shared_apps.accounts.permissions import role_allows


@dataclass(frozen=True)
class MemberState:
    role: str
    storefront_id: uuid.UUID | None
    expires_at: dt.datetime | None
    is_active: bool

    def usable_at(self, at: dt.datetime) -> bool:
        return self.is_active and (self.expires_at is None or self.expires_at > at)

    def allows(self, action: str, *, at: dt.datetime, storefront_id: uuid.UUID | None) -> bool:
        """Could this member do ``action`` (at ``storefront_id``) at time ``at``?"""
        return self.usable_at(at) and role_allows(self.role, self.storefront_id, action, storefront_id)


StateKey = tuple[uuid.UUID, dt.datetime]

_SQL = """
SELECT v.uid, v.at, h.role, h.storefront_id, h.expires_at, h.is_active
FROM (SELECT * FROM unnest(%s::uuid[], %s::timestamptz[]) AS u(uid, at)) AS v
LEFT JOIN LATERAL (
    SELECT role, storefront_id, expires_at, is_active FROM public.accounts_membershiphistory h
    WHERE h.tenant_id = %s AND h.user_id = v.uid AND h.valid_from <= v.at
    ORDER BY h.valid_from DESC, h.id DESC LIMIT 1
) AS h ON true
"""


def member_states_at(*, tenant_id: int, keys: Iterable[StateKey]) -> dict[StateKey, MemberState | None]:
    """Each (user, time)'s membership state at that time, or None when not a member then:
    one query for any number of keys."""
    unique = list(dict.fromkeys(keys))
    if not unique:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_SQL, [[u for u, _ in unique], [at for _, at in unique], tenant_id])
        rows = cursor.fetchall()
    found: dict[StateKey, MemberState | None] = {}
    for uid, at, role, storefront_id, expires_at, is_active in rows:
        found[(uid, at)] = (
            MemberState(role=role, storefront_id=storefront_id, expires_at=expires_at, is_active=is_active)
            if role is not None
            else None
        )
    # Keys come back with the database's datetime objects; map them to the caller's.
    by_instant = {(uid, at.timestamp()): state for (uid, at), state in found.items()}
    return {(uid, at): by_instant.get((uid, at.timestamp())) for uid, at in unique}
