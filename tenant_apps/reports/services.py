"""Upkeep of the per-hour sales figures (:mod:`tenant_apps.reports.models`)."""

from __future__ import annotations

from django.db import connection, transaction

_COLUMNS = "storefront_id, hour, sales_count, net, tax, total, refund_count, refunded"


@transaction.atomic
def sales_hours_compact() -> int:
    """Merge the deltas of each storefront and hour into one row; returns the rows removed.

    One statement, so that a reader sees the deltas or their sum, never both or neither. The
    rows deleted are those of the statement's snapshot: a delta committed meanwhile stays for
    the next run, and a second run at the same time skips the rows the first one deleted (it
    waits for them, then finds them gone) and never sees the first one's sums, so nothing is
    counted twice or lost. Sales go on being written meanwhile: they only insert."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH gone AS (
                    DELETE FROM reports_sales_hour h
                    WHERE (h.storefront_id, h.hour) IN (
                        SELECT storefront_id, hour FROM reports_sales_hour
                        GROUP BY storefront_id, hour HAVING COUNT(*) > 1)
                    RETURNING h.*),
                merged AS (
                    INSERT INTO reports_sales_hour ({_COLUMNS})
                    SELECT storefront_id, hour, SUM(sales_count), SUM(net), SUM(tax), SUM(total),
                           SUM(refund_count), SUM(refunded)
                    FROM gone GROUP BY storefront_id, hour
                    RETURNING 1)
                SELECT (SELECT COUNT(*) FROM gone) - (SELECT COUNT(*) FROM merged)"""  # noqa: S608 - fixed text
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0
