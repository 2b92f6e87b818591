"""COPY of sale rows: the project's generated text formatter against psycopg 3's own ``write_row``.

``pos_platform.db.bulk.copy_rows`` formats rows (dicts of column values) into COPY's text format
with a function generated per model (one expression per cell). psycopg 3 offers the same through
``Copy.set_types`` and ``Copy.write_row`` (its C dumpers). Both load the same rows, a sync batch's
worth of sales, lines and events at a time, into the real tables of a throwaway tenant, inside a
transaction rolled back after each round; the rounds alternate.

Prints one JSON line last: {"bench": "copy_format", "generated_rows_per_s", "write_row_rows_per_s",
"ratio" (generated / write_row), ...}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
import time
import uuid
from decimal import Decimal
from typing import Any

from common import bench_database, log


def _pg_type(field: Any, connection: Any) -> str:
    from django.db import models

    target = field.target_field if isinstance(field, models.ForeignKey) else field
    name = re.sub(r"\(.*\)", "", target.db_type(connection)).strip()
    return {"serial": "integer", "bigserial": "bigint"}.get(name, name)


def write_row_copy(model: Any, rows: list[dict[str, Any]], now: dt.datetime) -> None:
    """The same COPY through psycopg's ``set_types`` / ``write_row``."""
    from django.db import connection, models
    from psycopg.types.json import Jsonb

    fields = [f for f in model._meta.concrete_fields if not f.generated]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(f.column)) for f in fields)
    sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
    readers = []
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            readers.append(lambda row, _f=f: now)
        elif isinstance(f, models.JSONField):
            readers.append(
                lambda row, _f=f: Jsonb(row[_f.attname] if _f.attname in row else _f.get_default())
            )
        elif f.has_default():
            readers.append(lambda row, _f=f: row[_f.attname] if _f.attname in row else _f.get_default())
        else:
            readers.append(lambda row, _f=f: row.get(_f.attname))
    with connection.cursor() as cursor:
        types = [_pg_type(f, connection) for f in fields]
        with cursor.cursor.copy(sql) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row([read(row) for read in readers])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sales", type=int, default=2000, help="sales per round (3 lines each)")
    parser.add_argument("--rounds", type=int, default=6)
    args = parser.parse_args()

    with bench_database("pos_bench_copy_format"):
        from django.db import connection, transaction
        from django.utils import timezone

        from pos_platform.db.bulk import copy_rows
        from shared_apps.tenants import provisioning
        from shared_apps.tenants.services import tenant_create
        from tenant_apps.sales.models import Sale, SaleEvent, SaleLine

        provisioning.snapshot_current()
        tenant = tenant_create(
            slug="copyfmt", name="Copy", owner_email="owner@copy.test", actor="bench"
        ).tenant
        connection.set_tenant(tenant)
        now = timezone.now()
        storefront_id, product_id = uuid.uuid4(), uuid.uuid4()

        def batch() -> dict[Any, list[dict[str, Any]]]:
            sales, lines, events = [], [], []
            for i in range(args.sales):
                sale_id = uuid.uuid4()
                sales.append(
                    {
                        "id": sale_id,
                        "storefront_id": storefront_id,
                        "cashier_id": uuid.uuid4(),
                        "shift_id": None,
                        "origin": "terminal",
                        "terminal_id": uuid.uuid4(),
                        "receipt_number": f"ING-T1-{i:06d}",
                        "business_date": now.date(),
                        "occurred_at": now,
                        "received_at": now,
                        "prices_include_tax": False,
                        "subtotal": Decimal("31.50"),
                        "line_discount_total": Decimal("0.00"),
                        "sale_discount": Decimal("0.00"),
                        "net_total": Decimal("31.50"),
                        "tax_total": Decimal("6.71"),
                        "total": Decimal("38.21"),
                        "paid_total": Decimal("38.21"),
                        "change_total": Decimal("0.79"),
                        "tax_breakdown": [{"code": "VAT", "rate": "15", "amount": "4.98"}],
                        "client_totals": {"total": "38.21"},
                        "conflicts": [],
                        "note": "",
                    }
                )
                for position in range(3):
                    lines.append(
                        {
                            "id": uuid.uuid4(),
                            "sale_id": sale_id,
                            "position": position,
                            "product_id": product_id,
                            "sku": "P01",
                            "name": "Product\t1",
                            "quantity": Decimal("2.000"),
                            "unit_price": Decimal("5.25"),
                            "client_unit_price": None,
                            "gross": Decimal("10.50"),
                            "discount": Decimal("0.00"),
                            "sale_discount_share": Decimal("0.00"),
                            "net": Decimal("10.50"),
                            "tax_total": Decimal("2.24"),
                            "total": Decimal("12.74"),
                            "taxes": [{"code": "VAT", "amount": "1.66"}],
                        }
                    )
                events.append(
                    {
                        "sale_id": sale_id,
                        "kind": "created",
                        "occurred_at": now,
                        "received_at": now,
                        "actor_id": uuid.uuid4(),
                        "terminal_id": None,
                        "amount": Decimal("38.21"),
                        "net": Decimal("31.50"),
                        "tax": Decimal("6.71"),
                    }
                )
            return {Sale: sales, SaleLine: lines, SaleEvent: events}

        def run(write: Any) -> float:
            data = batch()
            started = time.perf_counter()
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        # The rows reference no real storefront or product: checked at commit,
                        # which never comes.
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                    for model, rows in data.items():
                        write(model, rows, now)
                    elapsed = time.perf_counter() - started
                    raise _Rollback
            except _Rollback:
                pass
            return elapsed

        rows_per_round = args.sales * 5
        generated: list[float] = []
        write_row: list[float] = []
        run(lambda m, r, n: copy_rows(m, r, now=n))  # warm-up (plans built, caches filled)
        run(write_row_copy)
        for _ in range(args.rounds):
            generated.append(rows_per_round / run(lambda m, r, n: copy_rows(m, r, now=n)))
            write_row.append(rows_per_round / run(write_row_copy))
        gen, row = statistics.median(generated), statistics.median(write_row)
        log(f"generated formatter: {gen:.0f} rows/s; psycopg write_row: {row:.0f} rows/s")
        result = {
            "bench": "copy_format",
            "generated_rows_per_s": round(gen),
            "write_row_rows_per_s": round(row),
            "ratio": round(gen / row, 2),
            "rows_per_round": rows_per_round,
            "rounds": args.rounds,
        }
    print(json.dumps(result))


class _Rollback(Exception):
    pass


if __name__ == "__main__":
    main()
