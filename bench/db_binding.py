"""Parameter binding: Django's public options against a per-cursor server-binding cursor.

Two ways of binding the sale path's parameters server-side with prepared statements:

* ``options``: what the project does, ``OPTIONS = {"server_side_binding": True,
  "prepare_threshold": N}`` (Django's and psycopg's public settings): every cursor of the
  connection binds server-side and statements run N times are prepared;
* ``per_cursor``: the earlier design, client-side binding for the ORM and a server-binding cursor
  made for the hot statements only, wrapped with Django's private ``_prepare_cursor``;

and, for reference, ``client``: client-side binding everywhere, nothing prepared.

Both run in one process against one throwaway database, in alternating blocks of online sales
(``POST /api/v1/sales`` through Django's test client: token, membership, idempotency key, the
sale's statements), so that a busy machine slows both alike. Prints one JSON line last:
``{"bench": "db_binding", "options_sales_per_s", "per_cursor_sales_per_s", "client_sales_per_s",
"ratio", "*_cpu_ms", "cpu_ratio"}``: ``ratio`` = options / per_cursor in sales per second, and
``cpu_ratio`` = per_cursor / options in CPU time per sale (this process and its PostgreSQL
backend, read from /proc), which a machine shared with other work disturbs far less.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common import bench_database, hot_product_shop, log

MODULES = (
    "tenant_apps.sales.services.sale",
    "tenant_apps.sales.context",
    "tenant_apps.inventory.services",
    "tenant_apps.idempotency.services",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--block", type=int, default=40, help="sales per block")
    parser.add_argument("--rounds", type=int, default=8, help="blocks per mode")
    args = parser.parse_args()

    with bench_database("pos_bench_db_binding"):
        import importlib

        from django.db import connection
        from django.db.backends.postgresql.base import ServerBindingCursor
        from django.test import Client

        import pos_platform.db as pos_db

        shop = hot_product_shop()
        token, body = shop.token, shop.body
        client = Client(HTTP_HOST="bench.localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
        options = connection.settings_dict["OPTIONS"]
        threshold = options.get("prepare_threshold")

        @contextmanager
        def per_cursor() -> Iterator[Any]:
            with connection.cursor():
                pass
            native = connection.connection
            native.prepare_threshold = threshold
            raw = ServerBindingCursor(native)
            try:
                yield connection._prepare_cursor(raw)  # type: ignore[attr-defined]
            finally:
                raw.close()

        modules = [importlib.import_module(name) for name in MODULES]
        modes = {
            "options": ({"server_side_binding": True, "prepare_threshold": threshold}, pos_db.bound_cursor),
            "per_cursor": ({"server_side_binding": False, "prepare_threshold": None}, per_cursor),
            "client": ({"server_side_binding": False, "prepare_threshold": None}, pos_db.bound_cursor),
        }

        def use(mode: str) -> None:
            opts, cursor_factory = modes[mode]
            connection.close()
            options.update(opts)
            for module in modules:
                if hasattr(module, "bound_cursor"):
                    module.bound_cursor = cursor_factory

        ticks = os.sysconf("SC_CLK_TCK")

        def backend_cpu() -> float:
            """CPU seconds used so far by the PostgreSQL backend of this connection."""
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                (pid,) = cursor.fetchone()
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                return 0.0
            return (int(fields[11]) + int(fields[12])) / ticks

        def block(n: int) -> tuple[float, float]:
            """(wall seconds, CPU seconds of this process and its database backend) for n sales."""
            connection.set_schema_to_public()
            server_before = backend_cpu()
            cpu_before = time.process_time()
            started = time.perf_counter()
            for _ in range(n):
                key = uuid.uuid4().hex
                response = client.post(
                    "/api/v1/sales", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
                )
                if response.status_code != 201:
                    raise RuntimeError(f"sale answered {response.status_code}: {response.content[:200]!r}")
            wall = time.perf_counter() - started
            cpu = time.process_time() - cpu_before
            connection.set_schema_to_public()
            return wall, cpu + backend_cpu() - server_before

        for mode in modes:  # warm-up: caches, plans, imports
            use(mode)
            block(args.block // 2)
        elapsed = dict.fromkeys(modes, 0.0)
        cpu = dict.fromkeys(modes, 0.0)
        for _ in range(args.rounds):
            for mode in modes:
                use(mode)
                block(3)  # the new connection's statements reach the prepare threshold
                wall, used = block(args.block)
                elapsed[mode] += wall
                cpu[mode] += used
        sales = args.block * args.rounds
        rates = {mode: round(sales / seconds, 1) for mode, seconds in elapsed.items()}
        cpu_ms = {mode: round(seconds * 1000 / sales, 2) for mode, seconds in cpu.items()}
        log(f"sales/s: {rates}; CPU ms per sale (app + database backend): {cpu_ms}")
        use("options")
        print(
            json.dumps(
                {
                    "bench": "db_binding",
                    "options_sales_per_s": rates["options"],
                    "per_cursor_sales_per_s": rates["per_cursor"],
                    "client_sales_per_s": rates["client"],
                    "ratio": round(rates["options"] / rates["per_cursor"], 3),
                    "options_cpu_ms": cpu_ms["options"],
                    "per_cursor_cpu_ms": cpu_ms["per_cursor"],
                    "client_cpu_ms": cpu_ms["client"],
                    "cpu_ratio": round(cpu_ms["per_cursor"] / cpu_ms["options"], 3),
                    "sales": sales,
                    "prepare_threshold": threshold,
                }
            )
        )


if __name__ == "__main__":
    main()
