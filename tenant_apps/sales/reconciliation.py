"""Sales books: totals add up from lines and taxes, payments cover totals, refunds stay within
what was sold, and stock moved for every tracked line."""

from __future__ import annotations

from typing import Any

from django.db import connection

from shared_apps.tenants.reconciliation import Check

LIMIT = 50


def _problems(sql: str) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql + f" LIMIT {LIMIT}")
        return cursor.fetchall()


def _count(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return int(cursor.fetchone()[0])


def reconcile_sales() -> list[Check]:
    sales = _count("SELECT COUNT(*) FROM sales_sale")
    checks: list[Check] = []

    rows = _problems(
        """SELECT s.receipt_number, s.subtotal, s.line_discount_total, s.sale_discount, s.net_total,
                  s.tax_total,
                  s.total, l.gross, l.discount, l.share, l.net, l.tax, l.total,
                  (SELECT COALESCE(SUM((t->>'amount')::numeric), 0)
                     FROM jsonb_array_elements(s.tax_breakdown) t)
           FROM sales_sale s
           JOIN (SELECT sale_id, SUM(gross) gross, SUM(discount) discount, SUM(sale_discount_share) share,
                        SUM(net) net, SUM(tax_total) tax, SUM(total) total FROM sales_line GROUP BY sale_id) l
             ON l.sale_id = s.id
           WHERE s.subtotal <> l.gross OR s.line_discount_total <> l.discount OR s.sale_discount <> l.share
              OR s.net_total <> l.net OR s.tax_total <> l.tax OR s.total <> l.total
              OR s.total <> s.net_total + s.tax_total
              OR s.tax_total <> (SELECT COALESCE(SUM((t->>'amount')::numeric), 0)
                                 FROM jsonb_array_elements(s.tax_breakdown) t)
              OR (s.prices_include_tax AND s.total <> s.subtotal - s.line_discount_total - s.sale_discount)
              OR (NOT s.prices_include_tax
                  AND s.total <> s.subtotal - s.line_discount_total - s.sale_discount + s.tax_total)"""
    )
    checks.append(
        Check(
            name="sale totals = lines + tax - discounts",
            ok=not rows,
            checked=sales,
            problems=[f"sale {r[0]}: totals do not add up from its lines and taxes" for r in rows],
        )
    )

    rows = _problems(
        """SELECT s.receipt_number, s.total, s.paid_total, COALESCE(p.paid, 0), COALESCE(p.change, 0)
           FROM sales_sale s
           LEFT JOIN (SELECT sale_id, SUM(amount) paid, SUM(change) change
                      FROM sales_payment GROUP BY sale_id) p
             ON p.sale_id = s.id
           WHERE s.paid_total <> COALESCE(p.paid, 0) OR s.change_total <> COALESCE(p.change, 0)
              OR (s.paid_total < s.total
                  AND NOT s.conflicts @> '[{"code": "payment_mismatch"}]'::jsonb)"""
    )
    checks.append(
        Check(
            name="payments cover totals",
            ok=not rows,
            checked=sales,
            problems=[f"sale {r[0]}: total {r[1]}, paid {r[2]} (payments add up to {r[3]})" for r in rows],
        )
    )

    over = _problems(
        """SELECT s.receipt_number, l.position, l.quantity, r.quantity, l.total, r.total
           FROM sales_line l JOIN sales_sale s ON s.id = l.sale_id
           JOIN (SELECT sale_line_id, SUM(quantity) quantity, SUM(total) total
                 FROM sales_refund_line GROUP BY sale_line_id) r ON r.sale_line_id = l.id
           WHERE r.quantity > l.quantity OR r.total > l.total"""
    )
    voided_and_refunded = _problems(
        """SELECT s.receipt_number
           FROM sales_sale s JOIN sales_event e ON e.sale_id = s.id AND e.kind = 'voided'
           WHERE EXISTS (SELECT 1 FROM sales_event r WHERE r.sale_id = s.id AND r.kind = 'refunded')"""
    )
    checks.append(
        Check(
            name="refunds within what was sold",
            ok=not over and not voided_and_refunded,
            checked=_count("SELECT COUNT(*) FROM sales_refund_line"),
            problems=[
                f"sale {r[0]} line {r[1] + 1}: sold {r[2]} for {r[4]}, refunded {r[3]} for {r[5]}"
                for r in over
            ]
            + [f"sale {r[0]}: voided and refunded" for r in voided_and_refunded],
        )
    )

    # Per sale and product: units on the lines against units the sale took from stock.
    rows = _problems(
        """SELECT s.receipt_number, p.sku, l.quantity, COALESCE(m.quantity, 0)
           FROM (SELECT sale_id, product_id, SUM(quantity) quantity FROM sales_line
                 GROUP BY sale_id, product_id) l
           JOIN catalog_product p ON p.id = l.product_id AND p.track_stock
           JOIN sales_sale s ON s.id = l.sale_id
           LEFT JOIN (SELECT sale_id, product_id, -SUM(quantity) quantity FROM inventory_movement
                      WHERE kind = 'sale' GROUP BY sale_id, product_id) m
             ON m.sale_id = l.sale_id AND m.product_id = l.product_id
           WHERE COALESCE(m.quantity, 0) <> l.quantity"""
    )
    checks.append(
        Check(
            name="stock moved for every tracked sale line",
            ok=not rows,
            checked=sales,
            problems=[f"sale {r[0]} product {r[1]}: sold {r[2]}, stock moved {r[3]}" for r in rows],
        )
    )
    return checks
