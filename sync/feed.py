"""The pull side: a per-tenant change feed read by an opaque cursor.

Change rows are written by triggers (see migration 0002) with the id of the writing transaction
(``xid``). A pull reads rows ordered by ``(xid, id)`` and only rows of transactions older than
every transaction still running (``xid < pg_snapshot_xmin(pg_current_snapshot())``). Every row it
can ever return is therefore final, and any change that commits later carries an ``xid`` above the
cursor: sequences that commit out of order cannot make a pull skip a change. A long transaction
delays pulls; it never loses a change.

Without a cursor, a pull returns a full snapshot, paged by kind and id, and then continues with the
feed from a position taken before the snapshot started.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import signing

from pos_platform.db import connection
from shared_apps.accounts.models import Membership
from sync.errors import CursorInvalid
from tenant_apps.storefronts.models import Storefront

MAX_BIGINT = 2**63 - 1
UUID_MIN = uuid.UUID(int=0)

Serialized = dict[str, Any]


@dataclass(frozen=True)
class FeedKind:
    """One kind of object terminals pull."""

    name: str
    # ids -> {id: serialized} for the ones that exist
    load: Callable[[list[uuid.UUID]], dict[uuid.UUID, Serialized]]
    # (after id, limit) -> serialized objects ordered by id
    page: Callable[[uuid.UUID, int], list[Serialized]]


def _model_kind(name: str, queryset: Callable[[], Any], serialize: Callable[[Any], Serialized]) -> FeedKind:
    def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, Serialized]:
        return {obj.pk: serialize(obj) for obj in queryset().filter(pk__in=ids)}

    def page(after: uuid.UUID, limit: int) -> list[Serialized]:
        return [serialize(obj) for obj in queryset().filter(pk__gt=after).order_by("pk")[:limit]]

    return FeedKind(name=name, load=load, page=page)


def _storefront(s: Storefront) -> Serialized:
    return {
        "id": str(s.pk),
        "code": s.code,
        "name": s.name,
        "active": s.is_active,
        "updated_at": s.updated_at.isoformat(),
    }


def _cashier(m: Membership) -> Serialized:
    return {
        "id": str(m.user_id),
        "name": m.user.full_name or m.user.email,
        "role": m.role,
        "active": m.is_usable() and m.user.is_active,
        "storefront_id": str(m.storefront_id) if m.storefront_id else None,
    }


def _tenant_id() -> int:
    return int(connection.tenant.pk)


def _cashiers_load(ids: list[uuid.UUID]) -> dict[uuid.UUID, Serialized]:
    rows = Membership.objects.filter(tenant_id=_tenant_id(), user_id__in=ids).select_related("user")
    return {m.user_id: _cashier(m) for m in rows}


def _cashiers_page(after: uuid.UUID, limit: int) -> list[Serialized]:
    rows = (
        Membership.objects.filter(tenant_id=_tenant_id(), user_id__gt=after)
        .select_related("user")
        .order_by("user_id")[:limit]
    )
    return [_cashier(m) for m in rows]


KINDS: dict[str, FeedKind] = {
    kind.name: kind
    for kind in (
        _model_kind("storefronts", lambda: Storefront.objects.all(), _storefront),
        FeedKind(name="cashiers", load=_cashiers_load, page=_cashiers_page),
    )
}


def register_kind(kind: FeedKind) -> None:
    """Add a kind to the feed (apps with pulled tables call this when they load)."""
    KINDS[kind.name] = kind


# --------------------------------------------------------------------------------------------
# Cursors
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a terminal is. In the feed: after (xid, id). In a snapshot: after object ``after`` of
    kind number ``kind``, to continue with the feed after (xid, id) once the snapshot is done."""

    xid: int
    id: int
    snapshot: bool = False
    kind: int = 0
    after: uuid.UUID = UUID_MIN


def _signer() -> signing.Signer:
    # Bound to the tenant: a cursor of one shop is refused at another.
    return signing.Signer(salt=f"sync.cursor:{connection.schema_name}")


def cursor_encode(cursor: Cursor) -> str:
    parts = [str(cursor.xid), str(cursor.id)]
    if cursor.snapshot:
        parts += [str(cursor.kind), cursor.after.hex]
    return _signer().sign(".".join(parts))


def cursor_decode(token: str) -> Cursor:
    try:
        raw = _signer().unsign(token)
        parts = raw.split(".")
        if len(parts) == 2:
            return Cursor(xid=int(parts[0]), id=int(parts[1]))
        if len(parts) == 4:
            return Cursor(
                xid=int(parts[0]),
                id=int(parts[1]),
                snapshot=True,
                kind=int(parts[2]),
                after=uuid.UUID(hex=parts[3]),
            )
    except (signing.BadSignature, ValueError):
        pass
    raise CursorInvalid()


def _feed_start() -> Cursor:
    """A feed position before every transaction that may still commit a change."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint")
        (xmin,) = cursor.fetchone()
    return Cursor(xid=int(xmin) - 1, id=MAX_BIGINT)


# --------------------------------------------------------------------------------------------
# Pull
# --------------------------------------------------------------------------------------------


@dataclass
class Page:
    changes: dict[str, list[Serialized]]
    deleted: dict[str, list[str]]
    cursor: str
    has_more: bool
    snapshot: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "changes": self.changes,
            "deleted": self.deleted,
            "cursor": self.cursor,
            "has_more": self.has_more,
            "snapshot": self.snapshot,
        }


def pull(*, cursor: str | None, limit: int) -> Page:
    if cursor is None:
        start = _feed_start()
        return _snapshot_page(Cursor(xid=start.xid, id=start.id, snapshot=True), limit)
    position = cursor_decode(cursor)
    if position.snapshot:
        return _snapshot_page(position, limit)
    return _feed_page(position, limit)


def _snapshot_page(position: Cursor, limit: int) -> Page:
    names = list(KINDS)
    changes: dict[str, list[Serialized]] = {}
    kind, after, room = position.kind, position.after, limit
    while kind < len(names) and room > 0:
        objects = KINDS[names[kind]].page(after, room)
        if objects:
            changes[names[kind]] = objects
            room -= len(objects)
            after = uuid.UUID(objects[-1]["id"])
        if room > 0:  # this kind is exhausted
            kind, after = kind + 1, UUID_MIN
    if kind >= len(names):
        # Snapshot done: continue with the feed from before the snapshot began.
        next_cursor = Cursor(xid=position.xid, id=position.id)
    else:
        next_cursor = Cursor(xid=position.xid, id=position.id, snapshot=True, kind=kind, after=after)
    # has_more stays true at the end of a snapshot: the feed since it began comes next.
    return Page(changes=changes, deleted={}, cursor=cursor_encode(next_cursor), has_more=True, snapshot=True)


def _feed_page(position: Cursor, limit: int) -> Page:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id, xid::text::bigint, kind, object_id, deleted FROM sync_change
            WHERE (xid > %s::text::xid8 OR (xid = %s::text::xid8 AND id > %s))
              AND xid < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY xid, id
            LIMIT %s
            """,
            [position.xid, position.xid, position.id, limit + 1],
        )
        rows = cursor.fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    latest: dict[str, dict[uuid.UUID, bool]] = {}
    for _id, _xid, kind, object_id, deleted in rows:
        if kind in KINDS:
            per_kind = latest.setdefault(kind, {})
            per_kind.pop(object_id, None)  # keep the order of the latest change
            per_kind[object_id] = deleted
    changes: dict[str, list[Serialized]] = {}
    deleted_ids: dict[str, list[str]] = {}
    for kind, objects in latest.items():
        alive = [oid for oid, gone in objects.items() if not gone]
        loaded = KINDS[kind].load(alive) if alive else {}
        for oid, gone in objects.items():
            if not gone and oid in loaded:
                changes.setdefault(kind, []).append(loaded[oid])
            else:
                deleted_ids.setdefault(kind, []).append(str(oid))
    next_cursor = Cursor(xid=rows[-1][1], id=rows[-1][0]) if rows else position
    return Page(
        changes=changes,
        deleted=deleted_ids,
        cursor=cursor_encode(next_cursor),
        has_more=has_more,
        snapshot=False,
    )
