"""The cost of safe pooling: the same requests directly to PostgreSQL (``POS_DB_POOLING=session``,
statements prepared) and through a real PgBouncer in transaction mode (``transaction``: a
``SET LOCAL search_path`` per transaction, a statement outside one in a transaction of its own,
nothing prepared).

One process, one throwaway database, alternating blocks of each mode; each iteration is an
online sale (``POST /api/v1/sales``) and a read of the catalog (``GET /api/v1/products``) through
Django's test client. Measured: wall time, and the CPU time of this process, of PostgreSQL's
backends of the database and of PgBouncer (read from /proc), which a busy machine disturbs far
less than the wall clock. Prints one JSON line last: ``{"bench": "pooling", "session_per_s",
"transaction_per_s", "session_cpu_ms", "transaction_cpu_ms", "cpu_ratio"}`` with ``cpu_ratio`` =
transaction / session CPU per iteration.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

from common import bench_database, hot_product_shop, log


def _cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--block", type=int, default=25, help="iterations per block")
    parser.add_argument("--rounds", type=int, default=10, help="blocks per mode")
    args = parser.parse_args()

    with bench_database("pos_bench_pooling"):
        import psycopg
        from django.db import connection
        from django.test import Client

        from tests.pgbouncer_server import pgbouncer

        shop = hot_product_shop()
        token, body = shop.token, shop.body
        client = Client(HTTP_HOST="bench.localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
        direct = dict(connection.settings_dict)
        direct_options = dict(direct["OPTIONS"])
        admin_info = {"host": direct["HOST"], "user": direct["USER"] or "postgres", "dbname": direct["NAME"]}
        if direct.get("PORT"):
            admin_info["port"] = direct["PORT"]
        folder = Path(tempfile.mkdtemp(prefix="pos-bench-pgbouncer-"))
        folder.chmod(0o755)
        try:
            with (
                pgbouncer(folder, pool_size=4, tls=False, database=direct) as bouncer,
                psycopg.connect(**admin_info, autocommit=True) as admin,
            ):

                def backends() -> float:
                    pids = admin.execute(
                        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid()"
                    ).fetchall()
                    return sum(_cpu(pid) for (pid,) in pids) + _cpu(bouncer.pid)

                def use(mode: str) -> None:
                    connection.close()
                    settings = connection.settings_dict
                    if mode == "session":
                        settings.update(HOST=direct["HOST"], PORT=direct["PORT"])
                        settings["OPTIONS"] = dict(direct_options)
                    else:
                        settings.update(HOST="127.0.0.1", PORT=bouncer.port)
                        settings["OPTIONS"] = {**direct_options, "prepare_threshold": None}
                    connection.pooling = mode  # type: ignore[attr-defined]
                    settings["POOLING"] = mode

                def block(n: int) -> tuple[float, float]:
                    # Backends are read before and after: PgBouncer's server connections stay up.
                    server_before = backends()
                    cpu_before = time.process_time()
                    started = time.perf_counter()
                    for _ in range(n):
                        key = uuid.uuid4().hex
                        sale = client.post(
                            "/api/v1/sales", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
                        )
                        read = client.get("/api/v1/products?limit=20")
                        if sale.status_code != 201 or read.status_code != 200:
                            raise RuntimeError(f"answered {sale.status_code}/{read.status_code}")
                    wall = time.perf_counter() - started
                    used = time.process_time() - cpu_before + backends() - server_before
                    return wall, used

                modes = ("session", "transaction")
                for mode in modes:
                    use(mode)
                    block(args.block // 2)
                elapsed = dict.fromkeys(modes, 0.0)
                cpu = dict.fromkeys(modes, 0.0)
                for _ in range(args.rounds):
                    for mode in modes:
                        use(mode)
                        block(3)
                        wall, used = block(args.block)
                        elapsed[mode] += wall
                        cpu[mode] += used
                use("session")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        n = args.block * args.rounds
        rates = {mode: round(n / seconds, 1) for mode, seconds in elapsed.items()}
        cpu_ms = {mode: round(seconds * 1000 / n, 2) for mode, seconds in cpu.items()}
        log(f"iterations/s: {rates}; CPU ms per iteration (app, PostgreSQL, PgBouncer): {cpu_ms}")
        print(
            json.dumps(
                {
                    "bench": "pooling",
                    "session_per_s": rates["session"],
                    "transaction_per_s": rates["transaction"],
                    "session_cpu_ms": cpu_ms["session"],
                    "transaction_cpu_ms": cpu_ms["transaction"],
                    "cpu_ratio": round(cpu_ms["transaction"] / cpu_ms["session"], 3),
                    "iterations": n,
                }
            )
        )


if __name__ == "__main__":
    main()
