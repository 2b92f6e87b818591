"""The fault drill: terminals keep uploading while Redis, the database connections and a web worker
fail under them.

The production server (gunicorn, ``deploy/gunicorn.conf.py``) runs on a throwaway database and on
a Redis of its own. Twenty terminals (the shop of ``bench/sync_ingest.py``) push batches of sales
for 60 seconds, each retrying a batch the way the terminal app does (the same batch, after
``Retry-After`` or half a second) until it is answered 200. Meanwhile the drill

* at 10 s kills Redis and starts it again 10 s later;
* at 25 s and 45 s terminates every database backend of the server (``pg_terminate_backend``);
* at 35 s SIGKILLs one gunicorn worker (gunicorn starts another).

Afterwards every op whose batch was answered must be in the database exactly once, no sale may
exist twice, and ``tenant reconcile`` must pass. Prints one JSON line last: {"bench": "faults",
"pushed", "applied_once", "lost", "doubled", "http_5xx", "http_500", "transport_errors",
"retried_batches", "max_stall_s", ...}; ``max_stall_s`` is the longest time a terminal waited
for one batch to be accepted, from its first try. Targets: lost 0, doubled 0, http_500 0
(``http_5xx`` counts the 503s of a push whose connection was lost twice), max stall at most 15 s.
Before the JSON line it logs the longest stalls of the batches that needed more than one try,
each try with when it was sent and how long it took ("503 at 25.1 s (3.2 s)").
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import signal
import threading
import time
from typing import Any

import httpx
from common import (
    RedisProcess,
    bench_database,
    gunicorn_server,
    gunicorn_workers,
    log,
)
from sync_ingest import HOST, World

APP_NAME = "pos-bench-faults"


def terminate_backends(url: str) -> int:
    import psycopg

    with psycopg.connect(url, autocommit=True) as admin:
        row = admin.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s",
            [APP_NAME],
        ).fetchone()
    return int(row[0]) if row else 0


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.pushed: list[str] = []
        self.statuses: dict[int, int] = {}
        self.transport_errors = 0
        self.retried_batches = 0
        self.max_stall = 0.0
        # When the longest stall began (seconds into the run) and what its tries met.
        self.max_stall_at = 0.0
        self.max_stall_tries: list[str] = []
        self.unanswered = 0
        # Every batch that needed more than one try: (stall, began at, tries).
        self.retried: list[tuple[float, float, list[str]]] = []


def _try(outcome: str, sent: float, started: float) -> str:
    """One try of a batch, as the drill reports it: "503 at 25.1 s (3.2 s)"."""
    return f"{outcome} at {sent - started:.1f} s ({time.monotonic() - sent:.1f} s)"


def terminal_loop(
    world: World,
    t: dict[str, Any],
    port: int,
    started: float,
    deadline: float,
    size: int,
    gen_lock: threading.Lock,
    tally: Tally,
) -> None:
    headers = {
        "Host": HOST,
        "Authorization": f"Bearer {t['credential']}",
        "Content-Type": "application/json",
        "Content-Encoding": "gzip",
    }
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30) as client:
        while time.monotonic() < deadline:
            with gen_lock:
                raw = world.batch(t, size)
            body = gzip.compress(raw)
            op_ids = [op["op_id"] for op in json.loads(raw)["ops"]]
            first = time.monotonic()
            tries: list[str] = []
            while True:
                sent = time.monotonic()
                try:
                    response = client.post("/api/v1/sync/push", content=body)
                except httpx.TransportError as exc:
                    tries.append(_try(type(exc).__name__, sent, started))
                    with tally.lock:
                        tally.transport_errors += 1
                    time.sleep(0.5)
                    continue
                tries.append(_try(str(response.status_code), sent, started))
                with tally.lock:
                    tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
                if response.status_code == 200:
                    break
                if time.monotonic() - first > 120:
                    with tally.lock:
                        tally.unanswered += 1
                    log(f"terminal {t['terminal'].code}: gave up on a batch: {response.status_code}")
                    return
                time.sleep(min(float(response.headers.get("Retry-After", "0.5")), 2.0))
            stall = time.monotonic() - first
            with tally.lock:
                tally.pushed.extend(op_ids)
                if stall > tally.max_stall:
                    tally.max_stall = stall
                    tally.max_stall_at = first - started
                    tally.max_stall_tries = tries
                if len(tries) > 1:
                    tally.retried_batches += 1
                    tally.retried.append((stall, first - started, tries))


def drill(url: str, redis: RedisProcess, port: int, started: float, events: list[str]) -> None:
    def at(second: float) -> None:
        time.sleep(max(0.0, started + second - time.monotonic()))

    def note(text: str) -> None:
        events.append(f"{time.monotonic() - started:5.1f}s {text}")
        log(events[-1])

    at(10)
    redis.stop()
    note("Redis killed")
    at(20)
    redis.start()
    note("Redis started again")
    at(25)
    note(f"terminated {terminate_backends(url)} database backends")
    at(35)
    workers = gunicorn_workers(port)
    os.kill(workers[0], signal.SIGKILL)
    note(f"SIGKILLed gunicorn worker {workers[0]} of {len(workers)}")
    at(45)
    note(f"terminated {terminate_backends(url)} database backends")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--terminals", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--batch", type=int, default=10, help="sales per batch")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    with bench_database("bench_faults") as url:
        from pos_platform import embedded

        world = World(args.terminals)
        redis = RedisProcess(embedded.data_dir() / "bench-faults-redis")
        redis.start()
        tally = Tally()
        events: list[str] = []
        try:
            env = {"REDIS_URL": redis.url, "PGAPPNAME": APP_NAME, "POS_MESSAGE_KICK": "0"}
            # Start-up is not measured: on a busy machine booting the workers takes over 20 s.
            with gunicorn_server(
                url=url, host=HOST, workers=args.workers, threads=args.threads, env=env, ready_seconds=90
            ) as port:
                started = time.monotonic()
                deadline = started + args.seconds
                gen_lock = threading.Lock()
                threads = [
                    threading.Thread(
                        target=terminal_loop,
                        args=(world, t, port, started, deadline, args.batch, gen_lock, tally),
                    )
                    for t in world.terminals
                ]
                faults = threading.Thread(target=drill, args=(url, redis, port, started, events))
                for thread in [*threads, faults]:
                    thread.start()
                for thread in [*threads, faults]:
                    thread.join()
        finally:
            redis.stop()

        from django.db import connection

        from shared_apps.tenants.reconciliation import tenant_reconcile
        from sync.models import Op
        from tenant_apps.sales.models import Sale

        connection.set_tenant(world.tenant)
        applied = set(
            str(op_id)
            for op_id in Op.objects.filter(status="applied").values_list("op_id", flat=True).iterator()
        )
        pushed = set(tally.pushed)
        sales = Sale.objects.count()
        receipts = Sale.objects.values("receipt_number").distinct().count()
        applied_once = len(pushed & applied)
        checks = tenant_reconcile(tenant=world.tenant)
        connection.set_schema_to_public()
        result = {
            "bench": "faults",
            "terminals": args.terminals,
            "seconds": args.seconds,
            "pushed": len(pushed),
            "applied_once": applied_once,
            "lost": len(pushed - applied),
            "doubled": (sales - len(applied)) + (sales - receipts),
            "http_5xx": sum(n for status, n in tally.statuses.items() if status >= 500),
            "http_500": tally.statuses.get(500, 0),
            "transport_errors": tally.transport_errors,
            "retried_batches": tally.retried_batches,
            "unanswered_batches": tally.unanswered,
            "max_stall_s": round(tally.max_stall, 1),
            "max_stall_at_s": round(tally.max_stall_at, 1),
            "max_stall_tries": tally.max_stall_tries,
            "statuses": {str(k): v for k, v in sorted(tally.statuses.items())},
            "reconcile_ok": all(check.ok for check in checks),
        }
        log("\n".join(events))
        log("longest stalls of retried batches:")
        for stall, began, tries in sorted(tally.retried, reverse=True)[:8]:
            log(f"  {stall:5.1f} s from {began:5.1f} s: {', '.join(tries)}")
        print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
