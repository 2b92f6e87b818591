"""What keeping the per-hour sales figures costs the writers: the same sales written with the
figures' triggers on and off, side by side in alternating rounds of one run.

The shop of ``bench/sync_ingest.py`` (one storefront, 10 products, paired terminals). Each round,
with the triggers of ``reports_sales_hour`` enabled, then disabled (``ALTER TABLE ... DISABLE
TRIGGER``), in turn:

* ``push``: batches of 200 sales pushed through the set-based sync engine, one process;
* ``online``: sales recorded one by one through ``sale_record`` by 4 threads at once, all at the
  same storefront and hour (the case a per-day or per-hour counter row would serialise).

Prints one JSON line last: {"bench": "sales_hours", "push_sales_per_s": {"on", "off"},
"online_sales_per_s": {"on", "off"}, "push_ratio", "online_ratio", "figures_exact", ...}; a
ratio is on / off (1.0: no cost).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import threading
import time
from decimal import Decimal
from typing import Any

from common import bench_database, log, push_checked

TRIGGERS = (("sales_sale", "sales_sale_hours"), ("sales_event", "sales_event_hours"))


def set_triggers(schema: str, on: bool) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table, trigger in TRIGGERS:
            cursor.execute(
                f'ALTER TABLE "{schema}".{table} {"ENABLE" if on else "DISABLE"} TRIGGER {trigger}'
            )


def push_round(world: Any, batches: int, size: int) -> float:
    from sync import engine
    from sync.envelope import parse_batch

    bodies = [(t, world.batch(t, size)) for _ in range(batches) for t in world.terminals[:1]]
    started = time.perf_counter()
    for t, body in bodies:
        push_checked(engine, parse_batch, t, body)
    return batches * size / (time.perf_counter() - started)


def online_round(world: Any, threads: int, per_thread: int) -> float:
    from django.db import connections

    from pos_platform.db import connection
    from tenant_apps.sales.services import PaymentInput, SaleLineInput, sale_record

    errors: list[BaseException] = []

    def seller(index: int) -> None:
        try:
            connection.set_tenant(world.tenant)
            product = world.products[index % len(world.products)]
            for _ in range(per_thread):
                sale_record(
                    storefront_id=world.storefront.pk,
                    cashier_id=world.terminals[index]["cashier"],
                    lines=[SaleLineInput(product.pk, Decimal(1))],
                    payments=[PaymentInput("cash", Decimal(100))],
                )
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=seller, args=(i,)) for i in range(threads)]
    started = time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert not errors, errors[:1]
    return threads * per_thread / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batches", type=int, default=5, help="batches of --batch sales per round")
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--online", type=int, default=50, help="online sales per thread and round")
    args = parser.parse_args()

    with bench_database(os.environ.get("BENCH_DB_NAME", "pos_bench_sales_hours")):
        from django.utils import timezone
        from sync_ingest import World

        from pos_platform.db import connection
        from tenant_apps.reports.selectors import period_summary, period_summary_from_sales
        from tenant_apps.shop.services import business_date

        world = World(max(args.threads, 1))
        schema = world.tenant.schema_name
        rates: dict[str, dict[str, list[float]]] = {
            "push": {"on": [], "off": []},
            "online": {"on": [], "off": []},
        }
        connection.set_tenant(world.tenant)
        for round_ in range(args.rounds):
            for mode in ("on", "off") if round_ % 2 == 0 else ("off", "on"):
                set_triggers(schema, mode == "on")
                rates["push"][mode].append(push_round(world, args.batches, args.batch))
                rates["online"][mode].append(online_round(world, args.threads, args.online))
                connection.set_tenant(world.tenant)
                log(
                    f"round {round_} triggers {mode:3s}: push {rates['push'][mode][-1]:7.0f} sales/s, "
                    f"online {rates['online'][mode][-1]:6.1f} sales/s"
                )
        set_triggers(schema, True)
        # The off rounds' sales wrote no deltas: the figures must differ from the sales by
        # exactly those, and by nothing else.
        # The pushed sales start two hours ago: yesterday too, in the first hours of a day.
        today = business_date(timezone.now())
        since = today - dt.timedelta(days=1)
        kept = period_summary(start=since, end=today)["sales_count"]
        actual = period_summary_from_sales(start=since, end=today)["sales_count"]
        off_sales = args.rounds * (args.batches * args.batch + args.threads * args.online)
        connection.set_schema_to_public()

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    result = {
        "bench": "sales_hours",
        "rounds": args.rounds,
        "push_sales_per_s": {m: round(mean(v), 1) for m, v in rates["push"].items()},
        "online_sales_per_s": {m: round(mean(v), 1) for m, v in rates["online"].items()},
        "push_ratio": round(mean(rates["push"]["on"]) / mean(rates["push"]["off"]), 3),
        "online_ratio": round(mean(rates["online"]["on"]) / mean(rates["online"]["off"]), 3),
        "figures_exact": actual - kept == off_sales,
        "load_avg": round(os.getloadavg()[0], 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
