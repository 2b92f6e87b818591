"""The pull side: a per-tenant change feed read by an opaque cursor.

Change rows are written by triggers (see migration 0002). Sequence values normally commit out of
order: a transaction can take id 10, another take id 11 and commit first, and a reader that has
seen 11 would then skip 10 for ever. Here the triggers of one tenant serialise on a
transaction-level lock before they take ids, so a tenant's change ids are handed out in commit
order: once a pull sees id N committed, every lower id is committed (or rolled back) and visible.
The cursor is simply the last id read. Only catalog-type tables feed the log, so the lock is never
on the sales path, and transactions of other tenants or databases cannot hold a pull back.

Without a cursor, a pull returns a full snapshot, paged by kind and id, and then continues with the
feed from the last change committed before the snapshot started.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from babel.core import get_global
from django.conf import settings
from django.core import signing
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from pos_platform.db import connection
from shared_apps.accounts.models import Membership
from sync.errors import CursorInvalid
from sync.models import CashierPin
from sync.pins import pin_as_json, pins_of
from tenant_apps.catalog.models import Product, ProductPrice
from tenant_apps.inventory.models import StockLevel
from tenant_apps.sales.models import PaymentMethod
from tenant_apps.shop.models import ShopSettings
from tenant_apps.storefronts.models import Storefront
from tenant_apps.taxes.models import TaxCategory, TaxRate

UUID_MIN = uuid.UUID(int=0)

Serialized = dict[str, Any]


@dataclass(frozen=True)
class FeedKind:
    """One kind of object terminals pull."""

    name: str
    # ids -> {id: serialized} for the ones that exist
    load: Callable[[list[uuid.UUID]], dict[uuid.UUID, Serialized]]
    # (after id, limit) -> serialized objects ordered by id, for a full snapshot
    page: Callable[[uuid.UUID, int], list[Serialized]]


def _model_kind(
    name: str,
    queryset: Callable[[], QuerySet[Any]],
    serialize: Callable[[Any], Serialized],
    snapshot: Callable[[QuerySet[Any]], QuerySet[Any]] = lambda qs: qs,
) -> FeedKind:
    """A kind backed by one table; ``snapshot`` narrows what a full snapshot sends (history rows
    no longer in force), while the feed sends every change."""

    def load(ids: list[uuid.UUID]) -> dict[uuid.UUID, Serialized]:
        return {obj.pk: serialize(obj) for obj in queryset().filter(pk__in=ids)}

    def page(after: uuid.UUID, limit: int) -> list[Serialized]:
        rows = snapshot(queryset()).filter(pk__gt=after).order_by("pk")[:limit]
        return [serialize(obj) for obj in rows]

    return FeedKind(name=name, load=load, page=page)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None


def _storefront(s: Storefront) -> Serialized:
    return {"id": str(s.pk), "code": s.code, "name": s.name, "active": s.is_active}


def _settings(s: ShopSettings) -> Serialized:
    tenant = connection.tenant
    return {
        "id": str(s.pk),
        "prices_include_tax": s.prices_include_tax,
        "allow_negative_stock": s.allow_negative_stock,
        "minor_unit": s.minor_unit,
        "receipt_header": s.receipt_header,
        "receipt_footer": s.receipt_footer,
        "currency": getattr(tenant, "currency", ""),
        "timezone": getattr(tenant, "timezone", ""),
        # The country of the shop's time zone (CLDR), for dates written as people there write them.
        "region": get_global("zone_territories").get(getattr(tenant, "timezone", ""), ""),
    }


def _tax_category(c: TaxCategory) -> Serialized:
    return {"id": str(c.pk), "code": c.code, "name": c.name}


def _tax_rate(r: TaxRate) -> Serialized:
    return {
        "id": str(r.pk),
        "category_id": str(r.category_id),
        "code": r.code,
        "name": r.name,
        "rate": str(r.rate),
        "compound": r.compound,
        "position": r.position,
        "effective_from": _iso(r.effective_from),
        "effective_to": _iso(r.effective_to),
    }


def _product(p: Product) -> Serialized:
    return {
        "id": str(p.pk),
        "sku": p.sku,
        "barcode": p.barcode,
        "name": p.name,
        "category": p.category,
        "unit": p.unit,
        "tax_category_id": _str(p.tax_category_id),
        "track_stock": p.track_stock,
        "reorder_level": str(p.reorder_level),
        "active": p.is_active,
    }


def _price(p: ProductPrice) -> Serialized:
    return {
        "id": str(p.pk),
        "product_id": str(p.product_id),
        "storefront_id": _str(p.storefront_id),
        "price": _str(p.price),
        "effective_from": _iso(p.effective_from),
    }


def _payment_method(m: PaymentMethod) -> Serialized:
    return {"id": str(m.pk), "code": m.code, "name": m.name, "kind": m.kind, "active": m.is_active}


def _prices_in_force(qs: QuerySet[ProductPrice]) -> QuerySet[ProductPrice]:
    """The price in force now for each product and storefront, and every price still to come."""
    now = timezone.now()
    superseded = ProductPrice.objects.filter(
        product_id=OuterRef("product_id"),
        effective_from__gt=OuterRef("effective_from"),
        effective_from__lte=now,
    )
    return qs.filter(
        Q(effective_from__gt=now)
        | (Q(storefront__isnull=True) & ~Exists(superseded.filter(storefront__isnull=True)))
        | (Q(storefront__isnull=False) & ~Exists(superseded.filter(storefront_id=OuterRef("storefront_id"))))
    )


def _rates_in_force(qs: QuerySet[TaxRate]) -> QuerySet[TaxRate]:
    return qs.filter(Q(effective_to__isnull=True) | Q(effective_to__gt=timezone.now()))


def _cashier(m: Membership, pin: CashierPin | None) -> Serialized:
    return {
        "id": str(m.user_id),
        "name": m.user.full_name or m.user.email,
        "role": m.role,
        "active": m.is_usable() and m.user.is_active,
        "storefront_id": _str(m.storefront_id),
        "expires_at": _iso(m.expires_at),
        "pin": pin_as_json(pin),
    }


def _tenant_id() -> int:
    return int(connection.tenant.pk)


# The storefront of the terminal pulling, if any: its cashiers are the people who can sell there.
_pulling_for: ContextVar[uuid.UUID | None] = ContextVar("pulling_for", default=None)


def _members() -> QuerySet[Membership]:
    """The shop's people who can sell at the pulling terminal's storefront: an invitation not yet
    accepted is nobody's till login, and a member limited to another storefront is not this
    till's (a change to either reads as a tombstone, so a terminal that had them drops them)."""
    members = Membership.objects.filter(tenant_id=_tenant_id(), accepted_at__isnull=False)
    storefront_id = _pulling_for.get()
    if storefront_id is not None:
        members = members.filter(Q(storefront_id__isnull=True) | Q(storefront_id=storefront_id))
    return members.select_related("user")


def _cashiers_load(ids: list[uuid.UUID]) -> dict[uuid.UUID, Serialized]:
    rows = list(_members().filter(user_id__in=ids))
    pins = pins_of([m.user_id for m in rows])
    return {m.user_id: _cashier(m, pins.get(m.user_id)) for m in rows}


def _cashiers_page(after: uuid.UUID, limit: int) -> list[Serialized]:
    members = list(_members().filter(user_id__gt=after).order_by("user_id")[:limit])
    pins = pins_of([m.user_id for m in members])
    return [_cashier(m, pins.get(m.user_id)) for m in members]


# In snapshot order: what a sale refers to comes before the sale's own references.
KINDS: dict[str, FeedKind] = {
    kind.name: kind
    for kind in (
        _model_kind("settings", lambda: ShopSettings.objects.all(), _settings),
        _model_kind("storefronts", lambda: Storefront.objects.all(), _storefront),
        _model_kind("payment_methods", lambda: PaymentMethod.objects.all(), _payment_method),
        _model_kind("tax_categories", lambda: TaxCategory.objects.all(), _tax_category),
        _model_kind("tax_rates", lambda: TaxRate.objects.all(), _tax_rate, _rates_in_force),
        _model_kind("products", lambda: Product.objects.all(), _product),
        _model_kind("prices", lambda: ProductPrice.objects.all(), _price, _prices_in_force),
        FeedKind(name="cashiers", load=_cashiers_load, page=_cashiers_page),
    )
}


# --------------------------------------------------------------------------------------------
# Cursors
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a terminal is. In the feed: after change ``id``. In a snapshot: after object
    ``after`` of kind number ``kind``, to continue with the feed after ``id`` once it is done."""

    id: int
    snapshot: bool = False
    kind: int = 0
    after: uuid.UUID = UUID_MIN
    # When the stock levels were last sent (epoch milliseconds); None: never, send them all.
    stock_ms: int | None = None


def _signer() -> signing.Signer:
    # Bound to the tenant: a cursor of one shop is refused at another.
    return signing.Signer(salt=f"sync.cursor:{connection.schema_name}")


def cursor_encode(cursor: Cursor) -> str:
    parts = [str(cursor.id)]
    if cursor.snapshot:
        parts += [str(cursor.kind), cursor.after.hex]
    text = ".".join(parts)
    if cursor.stock_ms is not None:
        text += f"~{cursor.stock_ms}"
    return _signer().sign(text)


def cursor_decode(token: str) -> Cursor:
    try:
        text, _, stock = _signer().unsign(token).partition("~")
        stock_ms = int(stock) if stock else None
        parts = text.split(".")
        if len(parts) == 1:
            return Cursor(id=int(parts[0]), stock_ms=stock_ms)
        if len(parts) == 3:
            return Cursor(
                id=int(parts[0]),
                snapshot=True,
                kind=int(parts[1]),
                after=uuid.UUID(hex=parts[2]),
                stock_ms=stock_ms,
            )
    except (signing.BadSignature, ValueError):
        pass
    raise CursorInvalid()


def _last_change_id() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(max(id), 0) FROM sync_change")
        (last,) = cursor.fetchone()
    return int(last)


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


def pull(*, cursor: str | None, limit: int, storefront_id: uuid.UUID | None = None) -> Page:
    """A page of changes. With ``storefront_id`` (a terminal's), the last page of a pull (no
    more to come) also carries that storefront's stock levels changed since the cursor's, and its
    cashiers are only the people who can sell at that storefront."""
    token = _pulling_for.set(storefront_id)
    try:
        return _pull(cursor=cursor, limit=limit, storefront_id=storefront_id)
    finally:
        _pulling_for.reset(token)


def _pull(*, cursor: str | None, limit: int, storefront_id: uuid.UUID | None) -> Page:
    if cursor is None:
        return _snapshot_page(Cursor(id=_last_change_id(), snapshot=True), limit)
    position = cursor_decode(cursor)
    if position.snapshot:
        return _snapshot_page(position, limit)
    page, next_position = _feed_page(position, limit)
    if storefront_id is not None and not page.has_more:
        levels, stock_ms = _stock_levels(storefront_id, since_ms=position.stock_ms)
        if levels:
            page.changes["stock_levels"] = levels
        next_position = replace(next_position, stock_ms=stock_ms)
    page.cursor = cursor_encode(next_position)
    return page


def _stock_levels(storefront_id: uuid.UUID, *, since_ms: int | None) -> tuple[list[Serialized], int]:
    """The storefront's stock levels updated since ``since_ms`` (all of them without it), and
    the mark for the next pull. Levels are advisory (a terminal never blocks a sale on them) and
    are not in the change log, which stays off the sales path: a level is sent again when it was
    updated within ``POS_SYNC_STOCK_OVERLAP_SECONDS`` before the last mark, which covers a sale
    whose transaction committed after the last pull read the levels."""
    now = timezone.now()
    levels = StockLevel.objects.filter(storefront_id=storefront_id)
    if since_ms is not None:
        since = datetime.fromtimestamp(since_ms / 1000, tz=UTC) - timedelta(
            seconds=settings.POS_SYNC_STOCK_OVERLAP_SECONDS
        )
        levels = levels.filter(updated_at__gt=since)
    rows = levels.order_by("product_id").values_list("product_id", "quantity")
    serialized = [{"id": str(pid), "quantity": str(quantity)} for pid, quantity in rows]
    return serialized, int(now.timestamp() * 1000)


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
        next_cursor = Cursor(id=position.id, stock_ms=position.stock_ms)
    else:
        next_cursor = Cursor(id=position.id, snapshot=True, kind=kind, after=after)
    # has_more stays true at the end of a snapshot: the feed since it began comes next.
    return Page(changes=changes, deleted={}, cursor=cursor_encode(next_cursor), has_more=True, snapshot=True)


def _feed_page(position: Cursor, limit: int) -> tuple[Page, Cursor]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, kind, object_id, deleted FROM sync_change WHERE id > %s ORDER BY id LIMIT %s",
            [position.id, limit + 1],
        )
        rows = cursor.fetchall()
    has_more = len(rows) > limit
    rows = rows[:limit]
    latest: dict[str, dict[uuid.UUID, bool]] = {}
    for _id, kind, object_id, deleted in rows:
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
    next_cursor = Cursor(id=rows[-1][0], stock_ms=position.stock_ms) if rows else position
    page = Page(
        changes=changes,
        deleted=deleted_ids,
        cursor=cursor_encode(next_cursor),
        has_more=has_more,
        snapshot=False,
    )
    return page, next_cursor
