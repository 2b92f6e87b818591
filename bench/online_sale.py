"""Online sales over real HTTP against the production server, side by side with a trivial endpoint.

Builds a throwaway database with one tenant, one storefront and one hot tracked product with
plenty of stock, starts gunicorn with ``deploy/gunicorn.conf.py`` (as ``make run`` and production
do), then drives it with N concurrent keep-alive clients (asyncio, raw HTTP/1.1, so that the load
generator costs as little CPU as possible on the same machine):

1. warm-up;
2. ``GET /api/v1/settings``: a trivial authenticated endpoint (token, membership, one query);
3. ``POST /api/v1/sales``: one line of the hot product, paid cash, each with its own
   ``Idempotency-Key`` (what a real till sends);
4. the same sales from the same clients at a steady pace (``--paced-rate``, 100 sales/s in all by
   default), for the latency of a server that is busy but not saturated. The closed-loop phases keep
   every client waiting on an answer, so their latency is the queue: clients / throughput.

Then it checks the books: the hot product's level must equal the initial stock minus what the
successful sales took (``lost_updates`` counts the units that differ), the number of sale rows
must equal the number of 201 answers, and ``tenant reconcile`` must pass.

Prints one JSON line last: {"bench": "online_sale", "clients", "sales_per_s", "trivial_per_s",
"ratio", "p50_ms", "p99_ms" (closed loop), "paced_rate", "paced_p50_ms", "paced_p99_ms",
"lost_updates", ...}. Targets: ``paced_p99_ms`` <= 50 at 100 sales/s from 16 clients; ``ratio``
(saturated sales/s over the trivial endpoint's requests/s) >= 0.5; ``lost_updates`` 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from decimal import Decimal

from common import bench_database, drive_paced, gunicorn_server, hot_product_shop, http_answer, log, p50, p99

HOST = "bench.localhost"


async def _client(
    port: int,
    make_request: callable,
    deadline: float,
    latencies: list[float],
    statuses: dict[int, int],  # type: ignore[valid-type]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.perf_counter() < deadline:
            request = make_request()
            t0 = time.perf_counter()
            writer.write(request)
            status, head = await http_answer(reader)
            latencies.append((time.perf_counter() - t0) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            if b"connection: close" in head.lower():
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
    finally:
        writer.close()


def drive(
    port: int, clients: int, seconds: float, make_request: callable
) -> tuple[list[float], dict[int, int], float]:  # type: ignore[valid-type]
    latencies: list[float] = []
    statuses: dict[int, int] = {}

    async def main() -> float:
        deadline = time.perf_counter() + seconds
        started = time.perf_counter()
        await asyncio.gather(
            *(_client(port, make_request, deadline, latencies, statuses) for _ in range(clients))
        )
        return time.perf_counter() - started

    elapsed = asyncio.run(main())
    return latencies, statuses, elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per endpoint")
    parser.add_argument("--warmup", type=float, default=4.0)
    parser.add_argument("--rounds", type=int, default=3, help="alternating trivial/sale phases")
    parser.add_argument(
        "--paced-rate",
        type=float,
        default=100.0,
        help="paced phase: the clients' total rate in sales/s (target: p99 <= 50 ms at 100/s; 0 to skip)",
    )
    parser.add_argument("--workers", type=int, default=None, help="gunicorn workers (default: the config's)")
    parser.add_argument("--threads", type=int, default=None, help="gunicorn threads (default: the config's)")
    args = parser.parse_args()

    with bench_database("pos_bench_online_sale") as url:
        from django.db import connection

        from shared_apps.tenants.reconciliation import tenant_reconcile
        from tenant_apps.inventory.models import StockLevel
        from tenant_apps.sales.models import Sale

        initial = Decimal(1_000_000)
        shop = hot_product_shop(stock=int(initial), receipts=10)
        tenant, token = shop.tenant, shop.token
        connection.close()

        with gunicorn_server(
            url=url, host=HOST, workers=args.workers, threads=args.threads, ready_seconds=120
        ) as port:
            auth = f"Authorization: Bearer {token}\r\n"
            trivial = (f"GET /api/v1/settings HTTP/1.1\r\nHost: {HOST}\r\n{auth}\r\n").encode()
            body_template = shop.body.encode()
            sale_head = (
                f"POST /api/v1/sales HTTP/1.1\r\nHost: {HOST}\r\n{auth}Content-Type: application/json\r\n"
                f"Content-Length: {len(body_template)}\r\n"
            ).encode()

            def make_trivial() -> bytes:
                return trivial

            def make_sale() -> bytes:
                return (
                    sale_head + b"Idempotency-Key: " + uuid.uuid4().hex.encode() + b"\r\n\r\n" + body_template
                )

            log(f"server on :{port}; warming up {args.warmup:.0f} s")
            _, warm_statuses, _ = drive(port, args.clients, args.warmup / 2, make_trivial)
            _, warm_sales, _ = drive(port, args.clients, args.warmup / 2, make_sale)
            log(f"warm-up statuses: trivial {warm_statuses}, sales {warm_sales}")

            # Alternate short phases so that both endpoints see the same machine (it is shared).
            t_lat: list[float] = []
            s_lat: list[float] = []
            t_status: dict[int, int] = {}
            s_status: dict[int, int] = {}
            t_elapsed = s_elapsed = 0.0
            for _ in range(args.rounds):
                lat, status, elapsed = drive(port, args.clients, args.seconds / args.rounds, make_trivial)
                t_lat += lat
                t_elapsed += elapsed
                for k, v in status.items():
                    t_status[k] = t_status.get(k, 0) + v
                lat, status, elapsed = drive(port, args.clients, args.seconds / args.rounds, make_sale)
                s_lat += lat
                s_elapsed += elapsed
                for k, v in status.items():
                    s_status[k] = s_status.get(k, 0) + v
            trivial_per_s = t_status.get(200, 0) / t_elapsed
            sales_per_s = s_status.get(201, 0) / s_elapsed
            log(
                f"trivial: {trivial_per_s:.0f}/s, p50 {p50(t_lat):.1f} ms, "
                f"p99 {p99(t_lat):.1f} ms, {t_status}"
            )
            log(f"sales:   {sales_per_s:.0f}/s, p50 {p50(s_lat):.1f} ms, p99 {p99(s_lat):.1f} ms, {s_status}")

            # Latency under a steady load below saturation: the same clients, each at a fixed pace.
            paced_rate = round(args.paced_rate, 1)
            paced_lat: list[float] = []
            paced_status: dict[int, int] = {}
            if paced_rate > 0:
                paced_lat, paced_status = drive_paced(port, args.clients, args.seconds, paced_rate, make_sale)
                log(
                    f"paced:   {paced_rate:.0f}/s offered by {args.clients} clients, "
                    f"p50 {p50(paced_lat):.1f} ms, p99 {p99(paced_lat):.1f} ms, {paced_status}"
                )

        created = warm_sales.get(201, 0) + s_status.get(201, 0) + paced_status.get(201, 0)
        connection.set_tenant(tenant)
        level = StockLevel.objects.get(product_id=shop.product_id, storefront_id=shop.storefront_id).quantity
        rows = Sale.objects.count()
        connection.set_schema_to_public()
        lost = int(abs((initial - created) - level)) + abs(rows - created)
        checks = tenant_reconcile(tenant=tenant)
        reconciled = all(c.ok for c in checks)
        log(
            f"{created} sales answered 201, {rows} rows; level {level} (expected {initial - created}); "
            f"reconciliation {'passes' if reconciled else 'FAILS'}"
        )
        result = {
            "bench": "online_sale",
            "clients": args.clients,
            "sales_per_s": round(sales_per_s, 1),
            "trivial_per_s": round(trivial_per_s, 1),
            "ratio": round(sales_per_s / trivial_per_s, 2) if trivial_per_s else 0.0,
            "p50_ms": round(p50(s_lat), 1),
            "p99_ms": round(p99(s_lat), 1),
            "trivial_p50_ms": round(p50(t_lat), 1),
            "trivial_p99_ms": round(p99(t_lat), 1),
            "paced_rate": paced_rate,
            "paced_p50_ms": round(p50(paced_lat), 1) if paced_lat else None,
            "paced_p99_ms": round(p99(paced_lat), 1) if paced_lat else None,
            "lost_updates": lost,
            "errors": sum(v for st in (s_status, paced_status) for k, v in st.items() if k != 201),
            "reconciled": reconciled,
            "seconds": args.seconds,
            "cpus": os.cpu_count(),
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
