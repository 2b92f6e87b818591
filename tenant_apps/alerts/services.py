"""Alerts to a shop's managers (owners, admins and managers, each within their storefront):

* **Low stock** (:func:`low_stock_alerts_send`, every ten minutes): the tracked, active products
  whose level at an active storefront is below their reorder level, at most once per product and
  storefront per shop day, batched into one message per person.
* **The daily summary** (:func:`daily_summary_send`, every fifteen minutes): once the shop's
  closing time has passed in its time zone, the day's sales, refunds, low stock and open
  conflicts, once per shop day.

Both are safe to run twice and at once: the rows that record what was told are claimed with
``INSERT ... ON CONFLICT DO NOTHING``, in the transaction that queues the messages.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from pos_platform.db import connection
from shared_apps.accounts.models import Membership
from shared_apps.accounts.permissions import ADMIN, MANAGER, OWNER
from shared_apps.messaging.links import shop_url
from shared_apps.messaging.rendering import money
from shared_apps.messaging.services import Recipient, message_queue, recipients_of, shop_messaging_of
from tenant_apps.shop.services import business_date, shop_timezone

MANAGERS = frozenset({OWNER, ADMIN, MANAGER})

_LOW_SQL = """
SELECT p.id, p.sku, p.name, p.reorder_level, f.id, f.name, l.quantity
FROM inventory_level l
JOIN catalog_product p ON p.id = l.product_id
JOIN storefronts_storefront f ON f.id = l.storefront_id
WHERE p.track_stock AND p.is_active AND f.is_active AND p.reorder_level > 0 AND l.quantity < p.reorder_level
ORDER BY f.name, p.name
"""

_CLAIM_SQL = """
INSERT INTO alerts_low_stock (product_id, storefront_id, day, level, created_at)
SELECT x.product_id, x.storefront_id, %s, x.level, now()
FROM jsonb_to_recordset(%s::jsonb) AS x(product_id uuid, storefront_id uuid, level numeric)
ON CONFLICT (product_id, storefront_id, day) DO NOTHING
RETURNING product_id, storefront_id
"""


@dataclass(frozen=True)
class LowItem:
    product_id: str
    sku: str
    name: str
    reorder_level: Decimal
    storefront_id: str
    storefront: str
    level: Decimal

    def as_context(self) -> dict[str, str]:
        return {
            "sku": self.sku,
            "name": self.name,
            "storefront": self.storefront,
            "level": _qty(self.level),
            "reorder_level": _qty(self.reorder_level),
        }


def _qty(value: Decimal) -> str:
    return format(value.normalize(), "f")


def low_stock_now() -> list[LowItem]:
    with connection.cursor() as cursor:
        cursor.execute(_LOW_SQL)
        return [
            LowItem(str(pid), sku, name, reorder, str(sid), store, level)
            for pid, sku, name, reorder, sid, store, level in cursor.fetchall()
        ]


def _scopes(tenant_id: int, people: list[Recipient]) -> dict[Any, str | None]:
    rows = Membership.objects.filter(tenant_id=tenant_id, user_id__in=[p.user_id for p in people])
    return {m.user_id: str(m.storefront_id) if m.storefront_id else None for m in rows}


def low_stock_alerts_send(*, now: dt.datetime | None = None) -> int:
    """Tell the shop's managers of products that fell below their reorder level and were not
    told today; returns the number of product-storefront pairs told."""
    tenant = connection.tenant
    if not shop_messaging_of(tenant_id=tenant.pk).low_stock_alerts:
        return 0
    now = now or timezone.now()
    day = business_date(now)
    low = low_stock_now()
    if not low:
        return 0
    import orjson

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                _CLAIM_SQL,
                [
                    day,
                    orjson.dumps(
                        [
                            {
                                "product_id": i.product_id,
                                "storefront_id": i.storefront_id,
                                "level": str(i.level),
                            }
                            for i in low
                        ]
                    ).decode(),
                ],
            )
            claimed = {(str(p), str(s)) for p, s in cursor.fetchall()}
        items = [i for i in low if (i.product_id, i.storefront_id) in claimed]
        if not items:
            return 0
        people = recipients_of(tenant_id=tenant.pk, roles=MANAGERS, category="stock")
        scopes = _scopes(tenant.pk, people)
        for person in people:
            scope = scopes.get(person.user_id)
            mine = [i for i in items if scope is None or i.storefront_id == scope]
            if not mine:
                continue
            batch = hashlib.sha256(
                ",".join(sorted(f"{i.product_id}@{i.storefront_id}" for i in mine)).encode()
            ).hexdigest()[:16]
            message_queue(
                key=f"low_stock:{tenant.pk}:{day}:{person.user_id}:{batch}",
                kind="low_stock",
                category="stock",
                channel=person.channel,
                to=person.to,
                language=person.language,
                tenant_id=tenant.pk,
                user_id=person.user_id,
                context={
                    "shop_name": tenant.name,
                    "items": [i.as_context() for i in mine],
                    "url": shop_url(tenant_id=tenant.pk, path="/api/v1/reports/low-stock"),
                },
            )
    return len(items)


# --------------------------------------------------------------------------------------------
# The daily summary
# --------------------------------------------------------------------------------------------


def summary_figures(day: dt.date) -> dict[str, Any]:
    """The day's figures from every source listed in ``POS_DAILY_SUMMARY_FIGURES`` (callables
    taking the day and answering a dict; later ones add keys)."""
    figures: dict[str, Any] = {}
    for path in settings.POS_DAILY_SUMMARY_FIGURES:
        figure: Callable[[dt.date], dict[str, Any]] = import_string(path)
        figures.update(figure(day))
    return figures


def sales_figures(day: dt.date) -> dict[str, Any]:
    from tenant_apps.reports.selectors import daily_summary

    totals = daily_summary(day=day)["totals"]
    return {
        "sales_count": totals.get("sales_count", 0),
        "total": totals.get("total", Decimal(0)),
        "refunds_count": (totals.get("refunds") or {}).get("count", 0),
        "refunds_amount": (totals.get("refunds") or {}).get("amount", Decimal(0)),
        "total_after_refunds": totals.get("total_after_refunds", Decimal(0)),
    }


def low_stock_figures(day: dt.date) -> dict[str, Any]:
    return {"low_stock": len(low_stock_now())}


def _closed(now: dt.datetime, closing: dt.time) -> tuple[bool, dt.date]:
    local = timezone.localtime(now, shop_timezone())
    return local.time() >= closing, local.date()


def daily_summary_send(*, now: dt.datetime | None = None) -> bool:
    """Send the day's summary once the shop's closing time has passed (once per shop day)."""
    tenant = connection.tenant
    shop = shop_messaging_of(tenant_id=tenant.pk)
    if not shop.daily_summary:
        return False
    closed, day = _closed(now or timezone.now(), shop.closing_time)
    if not closed:
        return False
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO alerts_daily_summary (day, created_at) VALUES (%s, now()) "
                "ON CONFLICT (day) DO NOTHING RETURNING day",
                [day],
            )
            if cursor.fetchone() is None:
                return False
        figures = summary_figures(day)
        for person in recipients_of(tenant_id=tenant.pk, roles=MANAGERS, category="summary"):
            context = {
                "shop_name": tenant.name,
                "day": day.isoformat(),
                "sales_count": figures.get("sales_count", 0),
                "total": money(figures.get("total", 0), tenant.currency, person.language),
                "refunds_count": figures.get("refunds_count", 0),
                "refunds_amount": money(figures.get("refunds_amount", 0), tenant.currency, person.language),
                "total_after_refunds": money(
                    figures.get("total_after_refunds", 0), tenant.currency, person.language
                ),
                "low_stock": figures.get("low_stock", 0),
                "open_conflicts": figures.get("open_conflicts", 0),
                "url": shop_url(tenant_id=tenant.pk, path=f"/api/v1/reports/daily?date={day.isoformat()}"),
            }
            message_queue(
                key=f"daily_summary:{tenant.pk}:{day}:{person.user_id}",
                kind="daily_summary",
                category="summary",
                channel=person.channel,
                to=person.to,
                language=person.language,
                tenant_id=tenant.pk,
                user_id=person.user_id,
                context=context,
            )
    return True
