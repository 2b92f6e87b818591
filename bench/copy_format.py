"""COPY of sale rows: a generated text formatter against psycopg 3's own ``write_row``.

``pos_platform.db.bulk.copy_rows`` loads rows (dicts of column values) through psycopg's
``Copy.set_types`` and ``Copy.write_row``. It used to format them itself into COPY's text format
with a function generated per model and compiled with ``exec()`` (one expression per cell), kept
below as the reference. Both load the same rows, a sync batch's
worth of sales, lines and events at a time, into the real tables of a throwaway tenant, inside a
transaction rolled back after each round; the rounds alternate.

Prints one JSON line last: {"bench": "copy_format", "generated_rows_per_s", "write_row_rows_per_s",
"ratio" (generated / write_row), ...}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
import uuid
from decimal import Decimal
from typing import Any

import orjson
from common import bench_database, log


# The formatter pos_platform.db.bulk.copy_rows used before it moved to psycopg's write_row:
# Python source generated per model and exec()-compiled (one expression per cell), kept here as
# the reference the library is measured against.
def _escape(text: str) -> str:
    """A value in COPY's text format: backslash, tab, newline and carriage return escaped."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return text


def _formatter(field: Any) -> Any:
    """value -> its text in COPY's format, for a column whose type :func:`_column_source` does not
    format inline (None is ``\\N`` for every column)."""
    from django.db import connection, models

    if isinstance(field, models.JSONField):
        return lambda value: _escape(orjson.dumps(value, default=str).decode())
    if isinstance(field, models.ForeignKey):
        return _formatter(field.target_field)
    if isinstance(field, models.CharField | models.TextField) and not isinstance(
        field, models.GenericIPAddressField
    ):
        return lambda value: _escape(str(value))
    return lambda value: _escape(str(field.get_db_prep_save(value, connection)))


_NULL = "\\N"


def _column_source(index: int, field: Any) -> str:
    """Python source of one COPY cell for ``field``, reading ``row``; see :func:`_row_formatter`."""
    from django.db import models

    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "stamp"
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    value = f"v{index}"
    if isinstance(target, models.UUIDField | models.DecimalField | models.IntegerField):
        text = f"str({value})"
    elif isinstance(target, models.DateTimeField | models.DateField):
        text = f"{value}.isoformat()"
    elif isinstance(target, models.BooleanField):
        text = f"('t' if {value} else 'f')"
    else:
        text = f"fmt[{index}]({value})"
    if field.has_default():
        read = f"(row[{field.attname!r}] if {field.attname!r} in row else defaults[{index}]())"
    else:
        read = f"get({field.attname!r})"
    return f"(NULL if ({value} := {read}) is None else {text})"


def _row_formatter(fields: list[Any]) -> Any:
    """A function ``(rows, stamp) -> COPY text`` generated for one model's columns: one
    expression per cell, no call per cell for the common types (a sync batch formats thousands
    of rows)."""
    cells = ", ".join(_column_source(i, f) for i, f in enumerate(fields))
    source = (
        "def format_rows(rows, stamp):\n"
        "    out = []\n"
        "    for row in rows:\n"
        "        get = row.get\n"
        f"        out.append('\\t'.join(({cells},)))\n"
        "    out.append('')\n"
        "    return '\\n'.join(out)\n"
    )
    namespace: dict[str, Any] = {
        "NULL": _NULL,
        "fmt": [_formatter(f) for f in fields],
        "defaults": [f.get_default if f.has_default() else None for f in fields],
    }
    exec(compile(source, "<copy_rows>", "exec"), namespace)  # noqa: S102 - code built from model fields
    return namespace["format_rows"]


_GENERATED: dict[Any, tuple[str, Any]] = {}


def generated_copy(model: Any, rows: list[dict[str, Any]], now: dt.datetime) -> None:
    from django.db import connection

    plan = _GENERATED.get(model)
    if plan is None:
        fields = [f for f in model._meta.concrete_fields if not f.generated]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(str(f.column)) for f in fields)
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        plan = _GENERATED[model] = (sql, _row_formatter(fields))
    data = plan[1](rows, now.isoformat())
    with connection.cursor() as cursor, cursor.cursor.copy(plan[0]) as copy:
        copy.write(data)


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
        library = lambda m, r, n: copy_rows(m, r, now=n)  # noqa: E731
        run(generated_copy)  # warm-up (plans built, caches filled)
        run(library)
        for _ in range(args.rounds):
            generated.append(rows_per_round / run(generated_copy))
            write_row.append(rows_per_round / run(library))
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
