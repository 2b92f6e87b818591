"""Reports, in the shop's time zone.

Figures count sales by the shop day of their ``occurred_at`` (an offline sale lands on the day it
happened) and leave voided sales out (they appear under ``voids``); refunds count on the day they
were given. Every figure is a sum of stored sale, line, payment and event amounts, so the
reports add up to the sales they summarise.

The per-day and per-hour figures (counts, net, tax, total, refunds) of a period are summed from
the per-hour figures that the database keeps as sales are written
(:mod:`tenant_apps.reports.models`): a few rows per storefront and hour rather than every sale of
the period. They equal the sums of the sales themselves (``_from_sales`` below, which the tests
compare them with, and which serve time zones whose days are not runs of whole UTC hours).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import connection

from tenant_apps.sales.selectors import sale_status
from tenant_apps.shop.services import day_bounds, shop_timezone

# Sums start from a two-decimal zero so that empty figures read "0.00".
ZERO = Decimal("0.00")

_NOT_VOIDED = "NOT EXISTS (SELECT 1 FROM sales_event v WHERE v.sale_id = s.id AND v.kind = 'voided')"


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def hours_cover(start: dt.date, end: dt.date) -> bool:
    """Whether the shop days ``start`` to ``end`` (inclusive) are runs of whole UTC hours (their
    time zone's offset a whole number of hours at each day's start), so that the per-hour
    figures answer for them."""
    zone = shop_timezone()
    day = start
    while day <= end + dt.timedelta(days=1):
        offset = zone.utcoffset(dt.datetime.combine(day, dt.time.min))
        if offset is None or offset.total_seconds() % 3600:
            return False
        day += dt.timedelta(days=1)
    return True


def _storefront_filter(
    storefront_id: uuid.UUID | None, column: str = "s.storefront_id"
) -> tuple[str, list[Any]]:
    if storefront_id is None:
        return "", []
    return f" AND {column} = %s", [storefront_id]


def daily_summary(*, day: dt.date, storefront_id: uuid.UUID | None = None) -> dict[str, Any]:
    """Per storefront: sales, gross, discounts, net, tax (and per code), total, payments per method,
    refunds and voids of one shop day; and the same summed over the storefronts."""
    start, end = day_bounds(day)
    where, extra = _storefront_filter(storefront_id)
    base = [start, end, *extra]
    stores: dict[uuid.UUID, dict[str, Any]] = {}

    def store(sid: uuid.UUID, code: str, name: str) -> dict[str, Any]:
        if sid not in stores:
            stores[sid] = {
                "storefront_id": str(sid),
                "storefront_code": code,
                "storefront_name": name,
                "sales_count": 0,
                "gross": ZERO,
                "discounts": ZERO,
                "net": ZERO,
                "tax": ZERO,
                "total": ZERO,
                "taxes": [],
                "payments": [],
                "refunds": {"count": 0, "amount": ZERO, "net": ZERO, "tax": ZERO},
                "voids": {"count": 0, "amount": ZERO},
                "total_after_refunds": ZERO,
            }
        return stores[sid]

    for sid, code, name, count, gross, discounts, net, tax, total in _rows(
        f"""SELECT s.storefront_id, f.code, f.name, COUNT(*), SUM(s.subtotal),
                   SUM(s.line_discount_total + s.sale_discount), SUM(s.net_total), SUM(s.tax_total),
                   SUM(s.total)
            FROM sales_sale s JOIN storefronts_storefront f ON f.id = s.storefront_id
            WHERE s.occurred_at >= %s AND s.occurred_at < %s AND {_NOT_VOIDED}{where}
            GROUP BY s.storefront_id, f.code, f.name""",  # noqa: S608 - fixed fragments only
        base,
    ):
        row = store(sid, code, name)
        row.update(sales_count=count, gross=gross, discounts=discounts, net=net, tax=tax, total=total)

    for sid, code, name, rate, compound, base_amount, amount in _rows(
        f"""SELECT s.storefront_id, t.code, t.name, t.rate::numeric, t.compound::boolean,
                   SUM(t.base::numeric), SUM(t.amount::numeric)
            FROM sales_sale s
            CROSS JOIN LATERAL jsonb_to_recordset(s.tax_breakdown)
                AS t(code text, name text, rate text, compound boolean, base text, amount text)
            WHERE s.occurred_at >= %s AND s.occurred_at < %s AND {_NOT_VOIDED}{where}
            GROUP BY s.storefront_id, t.code, t.name, t.rate::numeric, t.compound::boolean
            ORDER BY t.compound::boolean, t.code""",  # noqa: S608
        base,
    ):
        stores[sid]["taxes"].append(
            {
                "code": code,
                "name": name,
                "rate": rate,
                "compound": compound,
                "base": base_amount,
                "amount": amount,
            }
        )

    for sid, method, kind, count, amount in _rows(
        f"""SELECT s.storefront_id, m.code, m.kind, COUNT(*), SUM(p.amount)
            FROM sales_payment p JOIN sales_sale s ON s.id = p.sale_id
            JOIN sales_payment_method m ON m.id = p.method_id
            WHERE s.occurred_at >= %s AND s.occurred_at < %s AND {_NOT_VOIDED}{where}
            GROUP BY s.storefront_id, m.code, m.kind ORDER BY m.code""",  # noqa: S608
        base,
    ):
        stores[sid]["payments"].append({"method": method, "kind": kind, "count": count, "amount": amount})

    for sid, code, name, kind, count, amount, net, tax in _rows(
        f"""SELECT s.storefront_id, f.code, f.name, e.kind, COUNT(*), SUM(e.amount), SUM(e.net), SUM(e.tax)
            FROM sales_event e JOIN sales_sale s ON s.id = e.sale_id
            JOIN storefronts_storefront f ON f.id = s.storefront_id
            WHERE e.kind IN ('refunded', 'voided') AND e.occurred_at >= %s AND e.occurred_at < %s{where}
            GROUP BY s.storefront_id, f.code, f.name, e.kind""",  # noqa: S608
        base,
    ):
        row = store(sid, code, name)
        if kind == "refunded":
            row["refunds"] = {"count": count, "amount": amount, "net": net, "tax": tax}
        else:
            row["voids"] = {"count": count, "amount": amount}

    rows = sorted(stores.values(), key=lambda r: r["storefront_code"])
    for row in rows:
        row["total_after_refunds"] = row["total"] - row["refunds"]["amount"]
    return {
        "date": day.isoformat(),
        "timezone": str(shop_timezone()),
        "storefronts": rows,
        "totals": _sum_rows(rows),
    }


def _sum_rows(rows: list[dict[str, Any]]) -> dict[str, Any]:
    totals: dict[str, Any] = {
        k: sum((r[k] for r in rows), ZERO)
        for k in ("gross", "discounts", "net", "tax", "total", "total_after_refunds")
    }
    totals["sales_count"] = sum(r["sales_count"] for r in rows)
    totals["refunds"] = {
        "count": sum(r["refunds"]["count"] for r in rows),
        "amount": sum((r["refunds"]["amount"] for r in rows), ZERO),
    }
    taxes: dict[tuple[str, Any, bool], dict[str, Any]] = {}
    payments: dict[str, dict[str, Any]] = {}
    for r in rows:
        for t in r["taxes"]:
            key = (t["code"], t["rate"], t["compound"])
            seen = taxes.setdefault(key, {**t, "base": ZERO, "amount": ZERO})
            seen["base"] += t["base"]
            seen["amount"] += t["amount"]
        for p in r["payments"]:
            seen = payments.setdefault(p["method"], {**p, "count": 0, "amount": ZERO})
            seen["count"] += p["count"]
            seen["amount"] += p["amount"]
    totals["taxes"] = list(taxes.values())
    totals["payments"] = [payments[k] for k in sorted(payments)]
    return totals


def sales_trend(
    *, start: dt.date, end: dt.date, storefront_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """One row per shop day from ``start`` to ``end`` (inclusive), days without sales included."""
    if not hours_cover(start, end):
        return sales_trend_from_sales(start=start, end=end, storefront_id=storefront_id)
    days = _empty_days(start, end)
    lower, upper = day_bounds(start)[0], day_bounds(end)[1]
    where, extra = _storefront_filter(storefront_id, "h.storefront_id")
    for day, count, net, tax, total, refunded in _rows(
        f"""SELECT (h.hour AT TIME ZONE %s)::date, SUM(h.sales_count), SUM(h.net), SUM(h.tax), SUM(h.total),
                   SUM(h.refunded)
            FROM reports_sales_hour h WHERE h.hour >= %s AND h.hour < %s{where}
            GROUP BY 1""",  # noqa: S608
        [str(shop_timezone()), lower, upper, *extra],
    ):
        days[day].update(sales_count=count, net=net, tax=tax, total=total, refunds=refunded)
    return list(days.values())


def _empty_days(start: dt.date, end: dt.date) -> dict[dt.date, dict[str, Any]]:
    days: dict[dt.date, dict[str, Any]] = {}
    day = start
    while day <= end:
        days[day] = {
            "date": day.isoformat(),
            "sales_count": 0,
            "net": ZERO,
            "tax": ZERO,
            "total": ZERO,
            "refunds": ZERO,
        }
        day += dt.timedelta(days=1)
    return days


def sales_trend_from_sales(
    *, start: dt.date, end: dt.date, storefront_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """:func:`sales_trend` summed from the sales and refund events themselves."""
    zone = str(shop_timezone())
    lower, upper = day_bounds(start)[0], day_bounds(end)[1]
    where, extra = _storefront_filter(storefront_id)
    days = _empty_days(start, end)
    for day, count, net, tax, total in _rows(
        f"""SELECT (s.occurred_at AT TIME ZONE %s)::date, COUNT(*), SUM(s.net_total), SUM(s.tax_total),
                   SUM(s.total)
            FROM sales_sale s WHERE s.occurred_at >= %s AND s.occurred_at < %s AND {_NOT_VOIDED}{where}
            GROUP BY 1""",  # noqa: S608
        [zone, lower, upper, *extra],
    ):
        days[day].update(sales_count=count, net=net, tax=tax, total=total)
    for day, amount in _rows(
        f"""SELECT (e.occurred_at AT TIME ZONE %s)::date, SUM(e.amount)
            FROM sales_event e JOIN sales_sale s ON s.id = e.sale_id
            WHERE e.kind = 'refunded' AND e.occurred_at >= %s AND e.occurred_at < %s{where}
            GROUP BY 1""",  # noqa: S608
        [zone, lower, upper, *extra],
    ):
        days[day]["refunds"] = amount
    return list(days.values())


def top_products(
    *, start: dt.date, end: dt.date, storefront_id: uuid.UUID | None = None, limit: int = 10
) -> list[dict[str, Any]]:
    """Best sellers by quantity sold (net of refunds) between two shop days, voided sales left out."""
    lower, upper = day_bounds(start)[0], day_bounds(end)[1]
    where, extra = _storefront_filter(storefront_id)
    rows = _rows(
        f"""SELECT l.product_id, p.sku, p.name, SUM(l.quantity), SUM(l.total),
                   COALESCE(SUM(r.quantity), 0), COALESCE(SUM(r.total), 0)
            FROM sales_line l JOIN sales_sale s ON s.id = l.sale_id
            JOIN catalog_product p ON p.id = l.product_id
            LEFT JOIN (SELECT sale_line_id, SUM(quantity) AS quantity, SUM(total) AS total
                       FROM sales_refund_line GROUP BY sale_line_id) r ON r.sale_line_id = l.id
            WHERE s.occurred_at >= %s AND s.occurred_at < %s AND {_NOT_VOIDED}{where}
            GROUP BY l.product_id, p.sku, p.name
            ORDER BY SUM(l.quantity) - COALESCE(SUM(r.quantity), 0) DESC, p.sku
            LIMIT %s""",  # noqa: S608
        [lower, upper, *extra, limit],
    )
    return [
        {
            "product_id": str(pid),
            "sku": sku,
            "name": name,
            "quantity": qty - refunded_qty,
            "quantity_sold": qty,
            "quantity_refunded": refunded_qty,
            "revenue": total - refunded_total,
        }
        for pid, sku, name, qty, total, refunded_qty, refunded_total in rows
    ]


def period_summary(*, start: dt.date, end: dt.date, storefront_id: uuid.UUID | None = None) -> dict[str, Any]:
    """Sales (voided ones left out), total, average sale and refunds between two shop days
    (inclusive), by the rules of :func:`daily_summary`: for one day, ``total``, ``sales_count``
    and ``refunds`` equal its ``totals``, and ``net_sales`` its ``total_after_refunds``."""
    if not hours_cover(start, end):
        return period_summary_from_sales(start=start, end=end, storefront_id=storefront_id)
    lower, upper = day_bounds(start)[0], day_bounds(end)[1]
    where, extra = _storefront_filter(storefront_id, "h.storefront_id")
    ((count, total, refund_count, refunded),) = _rows(
        f"""SELECT COALESCE(SUM(h.sales_count), 0), COALESCE(SUM(h.total), 0),
                   COALESCE(SUM(h.refund_count), 0), COALESCE(SUM(h.refunded), 0)
            FROM reports_sales_hour h WHERE h.hour >= %s AND h.hour < %s{where}""",  # noqa: S608
        [lower, upper, *extra],
    )
    return _period(start, end, int(count), total, int(refund_count), refunded)


def period_summary_from_sales(
    *, start: dt.date, end: dt.date, storefront_id: uuid.UUID | None = None
) -> dict[str, Any]:
    """:func:`period_summary` summed from the sales and refund events themselves."""
    lower, upper = day_bounds(start)[0], day_bounds(end)[1]
    where, extra = _storefront_filter(storefront_id)
    ((count, total),) = _rows(
        f"""SELECT COUNT(*), COALESCE(SUM(s.total), 0) FROM sales_sale s
            WHERE s.occurred_at >= %s AND s.occurred_at < %s AND {_NOT_VOIDED}{where}""",  # noqa: S608
        [lower, upper, *extra],
    )
    ((refund_count, refunded),) = _rows(
        f"""SELECT COUNT(*), COALESCE(SUM(e.amount), 0)
            FROM sales_event e JOIN sales_sale s ON s.id = e.sale_id
            WHERE e.kind = 'refunded' AND e.occurred_at >= %s AND e.occurred_at < %s{where}""",  # noqa: S608
        [lower, upper, *extra],
    )
    return _period(start, end, count, total, refund_count, refunded)


def _period(
    start: dt.date, end: dt.date, count: int, total: Decimal, refund_count: int, refunded: Decimal
) -> dict[str, Any]:
    total = ZERO + total
    refunded = ZERO + refunded
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "sales_count": count,
        "total": total,
        "refunds": {"count": refund_count, "amount": refunded},
        "net_sales": total - refunded,
        "average_sale": (total / count).quantize(Decimal("0.01")) if count else ZERO,
    }


def sales_by_hour(*, day: dt.date, storefront_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    """The day's sales (voided ones left out) per hour of the shop's clock: 24 rows."""
    if not hours_cover(day, day):
        return sales_by_hour_from_sales(day=day, storefront_id=storefront_id)
    start, end = day_bounds(day)
    where, extra = _storefront_filter(storefront_id, "h.storefront_id")
    hours = {h: {"hour": h, "sales_count": 0, "total": ZERO} for h in range(24)}
    for hour, count, total in _rows(
        f"""SELECT EXTRACT(HOUR FROM h.hour AT TIME ZONE %s)::int, SUM(h.sales_count), SUM(h.total)
            FROM reports_sales_hour h WHERE h.hour >= %s AND h.hour < %s{where}
            GROUP BY 1""",  # noqa: S608
        [str(shop_timezone()), start, end, *extra],
    ):
        # Two UTC hours fall in one hour of the clock on the day it goes back: both count there.
        hours[hour]["sales_count"] += count
        hours[hour]["total"] += total
    return list(hours.values())


def sales_by_hour_from_sales(*, day: dt.date, storefront_id: uuid.UUID | None = None) -> list[dict[str, Any]]:
    """:func:`sales_by_hour` summed from the sales themselves."""
    start, end = day_bounds(day)
    where, extra = _storefront_filter(storefront_id)
    hours = {h: {"hour": h, "sales_count": 0, "total": ZERO} for h in range(24)}
    for hour, count, total in _rows(
        f"""SELECT EXTRACT(HOUR FROM s.occurred_at AT TIME ZONE %s)::int, COUNT(*), SUM(s.total)
            FROM sales_sale s WHERE s.occurred_at >= %s AND s.occurred_at < %s AND {_NOT_VOIDED}{where}
            GROUP BY 1""",  # noqa: S608
        [str(shop_timezone()), start, end, *extra],
    ):
        hours[hour].update(sales_count=count, total=total)
    return list(hours.values())


def sales_by_cashier(
    *, start: dt.date, end: dt.date, storefront_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """Per cashier (public user id): sales (voided ones left out), their total, and the refunds
    given on those days by the cashier's sales, largest total first."""
    lower, upper = day_bounds(start)[0], day_bounds(end)[1]
    where, extra = _storefront_filter(storefront_id)
    rows = _rows(
        f"""SELECT s.cashier_id, COUNT(*), SUM(s.total), SUM(s.tax_total)
            FROM sales_sale s WHERE s.occurred_at >= %s AND s.occurred_at < %s AND {_NOT_VOIDED}{where}
            GROUP BY s.cashier_id ORDER BY SUM(s.total) DESC, s.cashier_id""",  # noqa: S608
        [lower, upper, *extra],
    )
    return [
        {"cashier_id": str(cid), "sales_count": count, "total": total, "tax": tax}
        for cid, count, total, tax in rows
    ]


def sales_by_payment_method(
    *, start: dt.date, end: dt.date, storefront_id: uuid.UUID | None = None
) -> list[dict[str, Any]]:
    """Per payment method: payments applied to sales (voided ones left out), as the day
    report's ``payments``, largest amount first."""
    lower, upper = day_bounds(start)[0], day_bounds(end)[1]
    where, extra = _storefront_filter(storefront_id)
    rows = _rows(
        f"""SELECT m.code, m.name, m.kind, COUNT(*), SUM(p.amount)
            FROM sales_payment p JOIN sales_sale s ON s.id = p.sale_id
            JOIN sales_payment_method m ON m.id = p.method_id
            WHERE s.occurred_at >= %s AND s.occurred_at < %s AND {_NOT_VOIDED}{where}
            GROUP BY m.code, m.name, m.kind ORDER BY SUM(p.amount) DESC, m.code""",  # noqa: S608
        [lower, upper, *extra],
    )
    return [
        {"method": code, "name": name, "kind": kind, "count": count, "amount": amount}
        for code, name, kind, count, amount in rows
    ]


# ---------------------------------------------------------------------------------------------
# CSV exports (streamed with a server-side cursor)
# ---------------------------------------------------------------------------------------------

SALES_CSV_HEADER = [
    "receipt_number",
    "sale_id",
    "occurred_at_local",
    "business_date",
    "storefront",
    "cashier_id",
    "origin",
    "status",
    "subtotal",
    "discounts",
    "net",
    "tax",
    "total",
    "refunded",
    "payments",
]

MOVEMENTS_CSV_HEADER = [
    "movement_id",
    "occurred_at_local",
    "storefront",
    "sku",
    "product",
    "kind",
    "quantity",
    "reason",
    "sale_id",
    "operation_id",
    "actor_id",
]


def _stream(sql: str, params: list[Any], batch: int = 2000) -> Iterator[tuple[Any, ...]]:
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            rows = cursor.fetchmany(batch)
            if not rows:
                return
            yield from rows


def sales_export_rows(
    *, start: dt.date, end: dt.date, storefront_id: uuid.UUID | None = None
) -> Iterator[list[Any]]:
    zone = str(shop_timezone())
    lower, upper = day_bounds(start)[0], day_bounds(end)[1]
    where, extra = _storefront_filter(storefront_id)
    sql = f"""
        SELECT s.receipt_number, s.id, to_char(s.occurred_at AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS'),
               s.business_date, f.code, s.cashier_id, s.origin,
               EXISTS (SELECT 1 FROM sales_event v WHERE v.sale_id = s.id AND v.kind = 'voided'),
               s.subtotal, s.line_discount_total + s.sale_discount, s.net_total, s.tax_total, s.total,
               (SELECT SUM(e.amount) FROM sales_event e WHERE e.sale_id = s.id AND e.kind = 'refunded'),
               (SELECT string_agg(m.code || ':' || p.amount, ' ' ORDER BY p.position)
                  FROM sales_payment p JOIN sales_payment_method m ON m.id = p.method_id
                 WHERE p.sale_id = s.id)
        FROM sales_sale s JOIN storefronts_storefront f ON f.id = s.storefront_id
        WHERE s.occurred_at >= %s AND s.occurred_at < %s{where}
        ORDER BY s.occurred_at, s.id"""  # noqa: S608
    for *sale, voided, subtotal, discounts, net, tax, total, refunded, payments in _stream(
        sql, [zone, lower, upper, *extra]
    ):
        status = sale_status(voided=voided, refunded=refunded, total=total)
        refunded = 0 if refunded is None else refunded
        yield [*sale, status, subtotal, discounts, net, tax, total, refunded, payments or ""]


def movements_export_rows(
    *, start: dt.date, end: dt.date, storefront_id: uuid.UUID | None = None
) -> Iterator[list[Any]]:
    zone = str(shop_timezone())
    lower, upper = day_bounds(start)[0], day_bounds(end)[1]
    where, extra = _storefront_filter(storefront_id, "m.storefront_id")
    sql = f"""
        SELECT m.id, to_char(m.occurred_at AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS'), f.code, p.sku, p.name,
               m.kind, m.quantity, m.reason, m.sale_id, m.operation_id, m.actor_id
        FROM inventory_movement m JOIN storefronts_storefront f ON f.id = m.storefront_id
        JOIN catalog_product p ON p.id = m.product_id
        WHERE m.occurred_at >= %s AND m.occurred_at < %s{where}
        ORDER BY m.occurred_at, m.id"""  # noqa: S608
    for row in _stream(sql, [zone, lower, upper, *extra]):
        yield ["" if v is None else v for v in row]


def money_json(value: Any) -> Any:
    """Decimals as strings, recursively (report payloads)."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: money_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [money_json(v) for v in value]
    return value
