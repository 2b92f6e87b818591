"""Stock books: every level equals the sum of its movements (and no movement lacks a level)."""

from __future__ import annotations

from django.db import connection

from shared_apps.tenants.reconciliation import Check

_SQL = """
SELECT COALESCE(l.product_id, m.product_id), COALESCE(l.storefront_id, m.storefront_id),
       COALESCE(l.quantity, 0), COALESCE(m.total, 0)
FROM inventory_level l
FULL OUTER JOIN (SELECT product_id, storefront_id, SUM(quantity) AS total
                 FROM inventory_movement GROUP BY product_id, storefront_id) m
  ON m.product_id = l.product_id AND m.storefront_id = l.storefront_id
WHERE COALESCE(l.quantity, 0) <> COALESCE(m.total, 0)
"""


def reconcile_stock() -> list[Check]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM inventory_level")
        (checked,) = cursor.fetchone()
        cursor.execute(_SQL)
        rows = cursor.fetchall()
    problems = [
        f"product {pid} at storefront {sid}: level {level} but movements add up to {total}"
        for pid, sid, level, total in rows
    ]
    return [
        Check(name="stock levels = sum of movements", ok=not problems, checked=checked, problems=problems)
    ]
