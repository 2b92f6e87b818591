"""Adding a NOT NULL column to a tenant table, two ways, per schema, in a database of many shops.

Against the kept database of ``bench/scale.py`` (``--database``, default ``pos_scale``, on
``POS_SCALE_DATABASE_URL``'s server): in ``--schemas`` of its shop schemas, alternately, the
statements of ``sales/0006_payment_methods_on_the_sale`` (drop the two covering indexes of sales
by time, add the column, fill it, build the indexes again), each in a transaction rolled back:

* ``default``: the column added ``NOT NULL`` with a default, then the default dropped (what
  Django's ``AddField`` runs);
* ``fill``: the column added without a default, filled, then ``SET NOT NULL`` (what the migration
  runs).

Prints one JSON line last: {"bench": "add_column", "schemas", "default_ms_p50", "fill_ms_p50",
"ratio", "pg_class_rows"}.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# The migration's own statements, on a column of the bench's name (the real one exists).
_MIGRATION = importlib.import_module("tenant_apps.sales.migrations.0006_payment_methods_on_the_sale")
ADD, FILL, NOT_NULL = (
    sql.replace("payment_method_ids", "bench_methods")
    for sql in (_MIGRATION.ADD, _MIGRATION.FILL, _MIGRATION.NOT_NULL)
)
INCLUDE = "(id, total, tax_total, net_total, cashier_id, bench_methods)"
DROP = ["DROP INDEX sale_occurred_cover", "DROP INDEX sale_storefront_occurred_cover"]
BUILD = [
    f"CREATE INDEX sale_occurred_cover ON sales_sale (occurred_at) INCLUDE {INCLUDE}",
    "CREATE INDEX sale_storefront_occurred_cover ON sales_sale (storefront_id, occurred_at) "
    f"INCLUDE {INCLUDE}",
]
WAYS = {
    "default": [
        *DROP,
        "ALTER TABLE sales_sale ADD COLUMN bench_methods uuid[] DEFAULT '{}'::uuid[] NOT NULL",
        "ALTER TABLE sales_sale ALTER COLUMN bench_methods DROP DEFAULT",
        FILL,
        *BUILD,
    ],
    "fill": [*DROP, ADD, FILL, NOT_NULL, *BUILD],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", default="pos_scale")
    parser.add_argument("--schemas", type=int, default=60, help="schemas in all, half each way")
    args = parser.parse_args()
    base = os.environ.get("POS_SCALE_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not base:
        raise SystemExit("set POS_SCALE_DATABASE_URL (the server of bench/scale.py's database)")
    url = urlunsplit(urlsplit(base)._replace(path=f"/{args.database}", scheme="postgresql"))
    with psycopg.connect(url, autocommit=True) as conn:
        schemas = [
            row[0]
            for row in conn.execute(
                "SELECT schema_name FROM tenants_tenant WHERE schema_name <> 'public' "
                "ORDER BY schema_name DESC LIMIT %s",
                [args.schemas],
            )
        ]
        (relations,) = conn.execute("SELECT count(*) FROM pg_class").fetchone()  # type: ignore[misc]
        times: dict[str, list[float]] = {way: [] for way in WAYS}
        for i, schema in enumerate(schemas):
            way = "default" if i % 2 == 0 else "fill"
            started = time.perf_counter()
            with conn.transaction(force_rollback=True):
                conn.execute(f'SET LOCAL search_path = "{schema}", public')
                for statement in WAYS[way]:
                    conn.execute(statement)
            times[way].append((time.perf_counter() - started) * 1000)
    p50 = {way: statistics.median(values) for way, values in times.items()}
    print(
        f"{len(schemas)} schemas of a database of {relations:,} relations: "
        f"default {p50['default']:.1f} ms, fill {p50['fill']:.1f} ms a schema (p50)"
    )
    print(
        json.dumps(
            {
                "bench": "add_column",
                "schemas": len(schemas),
                "pg_class_rows": relations,
                "default_ms_p50": round(p50["default"], 1),
                "fill_ms_p50": round(p50["fill"], 1),
                "ratio": round(p50["default"] / p50["fill"], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
