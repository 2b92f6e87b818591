"""Offline batch ingest: the set-based engine, a naive one-ORM-call-per-row engine, and HTTP.

One tenant, one storefront, 10 products with Ghana's levies and VAT, 20 paired terminals, each
with its own cashier. Every terminal uploads batches of 200 sales of 3 lines and a cash payment,
with the client's unit prices and totals (as a real till sends them), as JSON:

* ``sales_per_s``: through the service layer (``sync.engine.push_batch``), one batch after another;
* ``floor_sales_per_s``: the raw-SQL floor, the same rows (made ahead) inserted with plain ``COPY``
  and ``INSERT`` and no rules, one process; ``floor_ratio`` = ``sales_per_s_one_process`` / floor;
* ``naive_sales_per_s``: the same rules (the same pricing module, history check, ledger) written
  the straightforward way, one ORM call per row, one savepoint per op, on a subset;
* ``http_sales_per_s``: the production server (gunicorn, ``deploy/gunicorn.conf.py``) with the 20
  terminals pushing gzip-encoded batches at once;
* ``bytes_per_sale``: gzip-encoded request bytes divided by the sales they carry.

Afterwards every sale must exist once, no op may be rejected, and ``tenant reconcile`` must pass.
Prints one JSON line last: {"bench": "sync_ingest", "sales_per_s", "sales_per_s_one_process",
"floor_sales_per_s", "floor_ratio", "naive_sales_per_s", "ratio",
"http_sales_per_s", "bytes_per_sale", ...}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import multiprocessing
import os
import random
import threading
import time
import uuid
from decimal import Decimal
from typing import Any

from common import SaleOps, bench_database, checkpoint, ghana_tax_category, gunicorn_server, log, push_checked

HOST = "ingest.localhost"
LINES_PER_SALE = 3


class World:
    """The shop and its terminals, and a generator of realistic batches."""

    def __init__(self, terminals: int) -> None:
        from django.utils import timezone

        from pos_platform.db import connection
        from pos_platform.kernel.actors import Actor
        from shared_apps.accounts.models import MembershipHistory
        from shared_apps.accounts.services import membership_grant, user_get_or_create
        from shared_apps.tenants import provisioning
        from shared_apps.tenants.services import tenant_create
        from sync import terminals as sync_terminals
        from tenant_apps.catalog.models import ProductPrice
        from tenant_apps.catalog.services import product_create
        from tenant_apps.inventory.services import StockLine, stock_receive
        from tenant_apps.storefronts.services import storefront_create

        provisioning.snapshot_current()
        self.tenant = tenant_create(
            slug="ingest", name="Ingest", owner_email="owner@ingest.test", actor="bench"
        ).tenant
        since = timezone.now() - dt.timedelta(days=30)
        cashiers = []
        for i in range(terminals):
            user, _ = user_get_or_create(email=f"cashier{i}@ingest.test")
            membership = membership_grant(user=user, tenant_id=self.tenant.pk, role="cashier")
            MembershipHistory.objects.filter(membership_id=membership.pk).update(valid_from=since)
            cashiers.append(user.pk)
        connection.set_tenant(self.tenant)
        actor = Actor.system("bench")
        self.storefront = storefront_create(code="ING", name="Ingest", actor=actor)
        std = ghana_tax_category(since=since, actor=actor)
        self.products = []
        for i in range(10):
            product = product_create(
                sku=f"P{i:02d}",
                name=f"Product {i}",
                price=Decimal(f"{3 + i}.50"),
                tax_category_id=std.pk,
                actor=actor,
            )
            ProductPrice.objects.filter(product=product).update(effective_from=since)
            self.products.append(product)
        stock_receive(
            storefront_id=self.storefront.pk,
            actor=actor,
            occurred_at=since,
            lines=[StockLine(p.pk, Decimal(100_000)) for p in self.products],
        )
        self.terminals = []
        for i in range(terminals):
            pairing = sync_terminals.terminal_create(
                storefront_id=self.storefront.pk, code=f"T{i:02d}", name=f"Till {i}", actor=actor
            )
            paired = sync_terminals.terminal_pair(code=pairing.code, client_ip=f"10.0.0.{i}")
            self.terminals.append(
                {
                    "terminal": paired.terminal,
                    "credential": paired.credential,
                    "cashier": cashiers[i],
                    "seq": 0,
                    "receipt": 0,
                }
            )
        self.sales = SaleOps(self.products, self.storefront.pk, timezone.now())
        self.settings = self.sales.settings
        self.rng = random.Random(7)
        connection.set_schema_to_public()

    def batch(self, t: dict[str, Any], size: int) -> bytes:
        """One batch of ``size`` sales from terminal ``t``, as the JSON a till uploads."""
        from django.utils import timezone

        ops = []
        start = timezone.now() - dt.timedelta(hours=2)
        for i in range(size):
            picked = self.rng.sample(self.products, LINES_PER_SALE)
            quantities = [self.rng.randint(1, 3) for _ in picked]
            ops.append(
                self.sales.op(
                    t,
                    occurred_at=(start + dt.timedelta(seconds=20 * i)).isoformat(timespec="seconds"),
                    receipt_number=f"ING-{t['terminal'].code}-{t['receipt'] + 1:06d}",
                    picked=picked,
                    quantities=quantities,
                    tendered_over=self.rng.choice([0, 1, 5]),
                )
            )
        body = {"batch_id": str(uuid.uuid4()), "terminal_time": timezone.now().isoformat(), "ops": ops}
        return json.dumps(body, separators=(",", ":")).encode()


def settle_heap() -> None:
    """The bench's own data made ahead (the batches, the floor's rows) lives through the timed
    phases: it is moved out of the cyclic collector's reach, as a server's loaded application
    is (pos_platform/wsgi.py), so that neither the engine nor the floor pays for walking it
    at each full collection. Without it, one process measured 0.36 of the floor against 0.43
    with it on the same machine (the engine allocates more per sale, so pays more)."""
    import gc

    gc.collect()
    gc.freeze()


def service_worker(world: World, share: list[tuple[int, bytes]], gate: Any) -> None:
    """A forked process pushing its share of the batches through the service layer."""
    from django.db import connections

    from pos_platform.db import connection
    from sync import engine
    from sync.envelope import parse_batch

    connections.close_all()
    connection.set_tenant(world.tenant)
    gate.wait()
    for index, body in share:
        push_checked(engine, parse_batch, world.terminals[index], body)
    connections.close_all()


def floor_rows(world: World, t: dict[str, Any], body: bytes) -> dict[str, Any]:
    """The rows the engine would write for ``body`` (its batch with its reply, ops, sales,
    lines, payments, events, movements, level changes and receipt links), made ahead, untimed:
    what the raw-SQL floor then inserts."""
    import orjson
    from django.utils import timezone

    from shared_apps.messaging.links import shop_url
    from sync.ops.sale import parse_sale
    from tenant_apps.inventory.services import level_deltas, movement_values
    from tenant_apps.receipts.services import receipt_token, token_digest
    from tenant_apps.sales.context import pricing_context_load
    from tenant_apps.sales.models import PaymentMethod
    from tenant_apps.sales.services.sale import Origin, sale_build

    document = json.loads(body)
    now = timezone.now()
    storefront_id = world.storefront.pk
    parsed = [
        (op, parse_sale(op["data"]), dt.datetime.fromisoformat(op["occurred_at"])) for op in document["ops"]
    ]
    context = pricing_context_load(
        keys=[(line.product_id, storefront_id, at) for _, sale, at in parsed for line in sale.lines]
    )
    methods = {m.code: m for m in PaymentMethod.objects.all()}
    built = [
        sale_build(
            storefront_id=storefront_id,
            cashier_id=sale.cashier_id,
            lines=sale.lines,
            payments=sale.payments,
            sale_discount=sale.discount,
            origin=Origin.terminal(terminal_id=t["terminal"].pk, receipt_number=sale.receipt_number),
            sale_id=uuid.UUID(op["op_id"]),
            occurred_at=at,
            now=now,
            client_totals=sale.totals,
            shift_id=None,
            note=sale.note,
            context=context,
            settings=world.settings,
            methods=methods,
        )
        for op, sale, at in parsed
    ]
    deltas = level_deltas(m for b in built for m in b.stock)
    # The receipt address of each sale (its public link row) and the reply the batch stores,
    # as the engine writes them.
    tokens = {b.sale["id"]: receipt_token(b.sale["id"]) for b in built}
    base = shop_url(tenant_id=world.tenant.pk, path="")
    reply = orjson.dumps(
        {
            "batch_id": document["batch_id"],
            "server_time": now.isoformat(),
            "results": [
                {
                    "op_id": str(sale_id),
                    "status": "applied",
                    "id": str(sale_id),
                    "receipt_url": f"{base}/r/{token}",
                }
                for sale_id, token in tokens.items()
            ],
        }
    )
    return {
        "reply": reply,
        "links": [
            {"sale_id": sale_id, "digest": token_digest(token), "created_at": now}
            for sale_id, token in tokens.items()
        ],
        "terminal": t["terminal"],
        "batch": (uuid.UUID(document["batch_id"]), len(document["ops"])),
        "ops": [
            {
                "op_id": uuid.UUID(op["op_id"]),
                "terminal_id": t["terminal"].pk,
                "seq": op["seq"],
                "kind": op["kind"],
                "digest": "0" * 64,
                "occurred_at": at,
                "effective_at": at,
                "received_at": now,
                "status": "applied",
                "result_id": uuid.UUID(op["op_id"]),
                "conflicts": [],
                "payload": None,
                "waits_for": None,
            }
            for op, _, at in parsed
        ],
        "sales": [b.sale for b in built],
        "lines": [line for b in built for line in b.lines],
        "payments": [payment for b in built for payment in b.payments],
        "events": [b.event for b in built],
        "movements": [movement_values(m, now=now) for b in built for m in b.stock],
        "levels": (
            [str(k[0]) for k in deltas],
            [str(k[1]) for k in deltas],
            [str(v) for v in deltas.values()],
        ),
        "now": now,
    }


def floor_write(rows: dict[str, Any]) -> None:
    """The raw-SQL floor: the same rows with plain COPY and INSERT, one transaction per batch,
    no rules (no parsing, pricing, checks, locks or clash detection)."""
    from django.db import connection, transaction

    from pos_platform.db.bulk import copy_rows
    from sync.models import Op
    from tenant_apps.inventory.models import StockMovement
    from tenant_apps.receipts.models import ReceiptLink
    from tenant_apps.sales.models import Payment, Sale, SaleEvent, SaleLine

    now = rows["now"]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO sync_batch (terminal_id, batch_id, digest, received_at, ops, response) "
                "VALUES (%s, %s, '', %s, %s, %s)",
                [rows["terminal"].pk, rows["batch"][0], now, rows["batch"][1], rows["reply"]],
            )
        copy_rows(Op, rows["ops"], now=now)
        copy_rows(Sale, rows["sales"], now=now)
        copy_rows(SaleLine, rows["lines"], now=now)
        copy_rows(Payment, rows["payments"], now=now)
        copy_rows(SaleEvent, rows["events"], now=now)
        copy_rows(StockMovement, rows["movements"], now=now)
        copy_rows(ReceiptLink, rows["links"], now=now)
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE inventory_level AS l SET quantity = l.quantity + v.d, updated_at = %s "
                "FROM unnest(%s::uuid[], %s::uuid[], %s::numeric[]) AS v(p, s, d) "
                "WHERE l.product_id = v.p AND l.storefront_id = v.s",
                [now, *rows["levels"]],
            )


def naive_push(terminal: Any, body: bytes) -> list[str]:
    """The same rules, the straightforward way: one ORM call per row, one savepoint per op."""
    from django.db import transaction
    from django.utils import timezone

    from pos_platform.db import connection
    from shared_apps.accounts.models import MembershipHistory
    from sync.models import Op
    from tenant_apps.catalog.models import Product, ProductPrice
    from tenant_apps.inventory.models import StockLevel, StockMovement
    from tenant_apps.sales.models import Payment, PaymentMethod, Sale, SaleEvent, SaleLine
    from tenant_apps.sales.pricing import LineInput, TaxRule, price_sale
    from tenant_apps.shop.services import business_date, shop_settings_get
    from tenant_apps.taxes.models import TaxRate

    document = json.loads(body)
    now = timezone.now()
    statuses = []
    tenant_id = connection.tenant.pk
    for op in sorted(document["ops"], key=lambda o: o["seq"]):
        with transaction.atomic():
            if Op.objects.filter(op_id=op["op_id"]).exists():
                statuses.append("duplicate")
                continue
            data = op["data"]
            at = dt.datetime.fromisoformat(op["occurred_at"])
            state = (
                MembershipHistory.objects.filter(
                    tenant_id=tenant_id, user_id=data["cashier_id"], valid_from__lte=at
                )
                .order_by("-valid_from", "-id")
                .first()
            )
            if state is None or not state.is_active:
                statuses.append("rejected")
                continue
            settings = shop_settings_get()
            inputs, products = [], []
            for line in data["lines"]:
                product = Product.objects.get(pk=line["product_id"])
                price = (
                    ProductPrice.objects.filter(
                        product=product, storefront__isnull=True, effective_from__lte=at
                    )
                    .order_by("-effective_from")
                    .first()
                )
                rules = tuple(
                    TaxRule(code=r.code, name=r.name, rate=r.rate, compound=r.compound, position=r.position)
                    for r in TaxRate.objects.filter(
                        category_id=product.tax_category_id, effective_from__lte=at
                    )
                )
                inputs.append((line, product, price.price, rules))
                products.append(product)
            totals = price_sale(
                lines=[
                    LineInput(
                        unit_price=p, quantity=Decimal(line["quantity"]), tax_category=prod.tax_category_id
                    )
                    for line, prod, p, _ in inputs
                ],
                rates={prod.tax_category_id: rules for _, prod, _, rules in inputs},
                prices_include_tax=settings.prices_include_tax,
                minor_unit=settings.minor_unit,
            )
            tendered = Decimal(data["payments"][0]["amount"])
            sale = Sale.objects.create(
                id=op["op_id"],
                storefront_id=terminal.storefront_id,
                cashier_id=data["cashier_id"],
                origin="terminal",
                terminal_id=terminal.pk,
                receipt_number=data["receipt_number"],
                business_date=business_date(at),
                occurred_at=at,
                received_at=now,
                prices_include_tax=settings.prices_include_tax,
                subtotal=totals.subtotal,
                line_discount_total=totals.line_discount_total,
                sale_discount=totals.sale_discount,
                net_total=totals.net_total,
                tax_total=totals.tax_total,
                total=totals.total,
                paid_total=totals.total,
                change_total=tendered - totals.total,
                tax_breakdown=[t.as_json() for t in totals.taxes],
                client_totals=data.get("totals"),
            )
            for position, ((line, product, price, _), t) in enumerate(zip(inputs, totals.lines, strict=True)):
                SaleLine.objects.create(
                    sale=sale,
                    position=position,
                    product=product,
                    sku=product.sku,
                    name=product.name,
                    quantity=Decimal(line["quantity"]),
                    unit_price=price,
                    gross=t.gross,
                    discount=t.discount,
                    sale_discount_share=t.sale_discount_share,
                    net=t.net,
                    tax_total=t.tax,
                    total=t.total,
                    taxes=[x.as_json() for x in t.taxes],
                )
                StockMovement.objects.create(
                    product=product,
                    storefront_id=terminal.storefront_id,
                    kind="sale",
                    quantity=-Decimal(line["quantity"]),
                    occurred_at=at,
                    created_at=now,
                    sale_id=sale.pk,
                    actor_id=data["cashier_id"],
                )
                level = StockLevel.objects.select_for_update().get(
                    product=product, storefront_id=terminal.storefront_id
                )
                level.quantity -= Decimal(line["quantity"])
                level.save(update_fields=["quantity"])
            Payment.objects.create(
                sale=sale,
                position=0,
                method=PaymentMethod.objects.get(code="cash"),
                kind="cash",
                amount=totals.total,
                tendered=tendered,
                change=tendered - totals.total,
            )
            SaleEvent.objects.create(
                sale=sale,
                kind="created",
                occurred_at=at,
                received_at=now,
                actor_id=data["cashier_id"],
                terminal_id=terminal.pk,
                amount=totals.total,
                net=totals.net_total,
                tax=totals.tax_total,
            )
            Op.objects.create(
                op_id=op["op_id"],
                terminal=terminal,
                seq=op["seq"],
                kind="sale",
                digest="",
                occurred_at=at,
                received_at=now,
                status="applied",
                result_id=sale.pk,
                payload=op,
            )
            statuses.append("applied")
    return statuses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--terminals", type=int, default=20)
    parser.add_argument("--batch", type=int, default=200, help="sales per batch")
    parser.add_argument("--batches", type=int, default=3, help="batches per terminal (service and HTTP)")
    parser.add_argument("--naive-batches", type=int, default=2, help="batches through the naive engine")
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 2,
        help="service-layer processes (default: one per core)",
    )
    args = parser.parse_args()

    with bench_database("pos_bench_sync_ingest") as url:
        from pos_platform.db import connection
        from shared_apps.tenants.reconciliation import tenant_reconcile
        from sync import engine
        from sync.envelope import parse_batch
        from sync.models import Op
        from tenant_apps.sales.models import Sale

        world = World(args.terminals)
        log(f"{args.terminals} terminals, batches of {args.batch} sales x {LINES_PER_SALE} lines")

        # Service layer: one process, then one per core (as the server runs), each pushing the
        # batches of its own terminals. A warm-up batch per terminal first, and a checkpoint
        # before each timed phase, so that neither start-up nor the server's own flushing of the
        # set-up weighs on the figures.
        connection.set_tenant(world.tenant)
        for t in world.terminals:
            push_checked(engine, parse_batch, t, world.batch(t, args.batch))
        # One process, batch by batch in turn with the raw-SQL floor (the same kind of rows, made
        # ahead and written plainly), so that both see the same load on a shared machine.
        one_bodies = [(t, world.batch(t, args.batch)) for t in world.terminals]
        floor_prepared = [floor_rows(world, t, world.batch(t, args.batch)) for t in world.terminals]
        checkpoint()
        settle_heap()
        one_s = floor_s = 0.0
        for (t, body), rows in zip(one_bodies, floor_prepared, strict=True):
            started = time.perf_counter()
            push_checked(engine, parse_batch, t, body)
            one_s += time.perf_counter() - started
            started = time.perf_counter()
            floor_write(rows)
            floor_s += time.perf_counter() - started
        one_sales = len(one_bodies) * args.batch
        one_per_s = one_sales / one_s
        floor_sales = len(floor_prepared) * args.batch
        floor_per_s = floor_sales / floor_s
        log(f"service, 1 process: {one_sales} sales in {one_s:.2f} s = {one_per_s:.0f} sales/s")
        log(f"floor,   1 process: {floor_sales} sales in {floor_s:.2f} s = {floor_per_s:.0f} sales/s")

        workers = args.workers
        shares: list[list[tuple[int, bytes]]] = [[] for _ in range(workers)]
        for _ in range(args.batches):
            for index, t in enumerate(world.terminals):
                shares[index % workers].append((index, world.batch(t, args.batch)))
        checkpoint()
        settle_heap()
        connection.set_schema_to_public()
        connection.close()
        context = multiprocessing.get_context("fork")
        gate = context.Barrier(workers + 1)
        processes = [context.Process(target=service_worker, args=(world, share, gate)) for share in shares]
        for process in processes:
            process.start()
        gate.wait()
        started = time.perf_counter()
        for process in processes:
            process.join()
        service_s = time.perf_counter() - started
        assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
        service_sales = sum(len(share) for share in shares) * args.batch
        sales_per_s = service_sales / service_s
        log(
            f"service, {workers} processes: {service_sales} sales in {service_s:.2f} s = "
            f"{sales_per_s:.0f} sales/s"
        )
        connection.set_tenant(world.tenant)

        # Naive engine, on a subset.
        naive_bodies = [(t, world.batch(t, args.batch)) for t in world.terminals[: args.naive_batches]]
        started = time.perf_counter()
        for t, body in naive_bodies:
            statuses = naive_push(t["terminal"], body)
            assert set(statuses) == {"applied"}, statuses[:3]
        naive_s = time.perf_counter() - started
        naive_sales = len(naive_bodies) * args.batch
        naive_per_s = naive_sales / naive_s
        log(f"naive:   {naive_sales} sales in {naive_s:.2f} s = {naive_per_s:.0f} sales/s")
        connection.set_schema_to_public()
        connection.close()

        # HTTP: every terminal pushes its batches at once, gzip-encoded.
        http_bodies = {
            id(t): [gzip.compress(world.batch(t, args.batch)) for _ in range(args.batches)]
            for t in world.terminals
        }
        sizes = [len(b) for bs in http_bodies.values() for b in bs]
        checkpoint()
        connection.close()
        bytes_per_sale = sum(sizes) / (len(sizes) * args.batch)
        errors: list[str] = []
        # A loaded machine may take longer than the default to boot the workers.
        with gunicorn_server(url=url, host=HOST, ready_seconds=90) as port:
            import httpx

            def terminal_client(t: dict[str, Any]) -> None:
                headers = {
                    "Host": HOST,
                    "Authorization": f"Bearer {t['credential']}",
                    "Content-Type": "application/json",
                    "Content-Encoding": "gzip",
                }
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
                    client.get(
                        "/api/v1/sync/status",
                        headers={k: v for k, v in headers.items() if k in ("Host", "Authorization")},
                    )
                    barrier.wait()
                    for body in http_bodies[id(t)]:
                        response = client.post("/api/v1/sync/push", content=body, headers=headers)
                        if response.status_code != 200:
                            errors.append(f"{response.status_code} {response.text[:200]}")
                        elif any(r["status"] != "applied" for r in response.json()["results"]):
                            errors.append("an op was not applied")

            barrier = threading.Barrier(len(world.terminals) + 1)
            threads = [threading.Thread(target=terminal_client, args=(t,)) for t in world.terminals]
            for thread in threads:
                thread.start()
            barrier.wait()
            started = time.perf_counter()
            for thread in threads:
                thread.join()
            http_s = time.perf_counter() - started
        assert not errors, errors[:3]
        http_sales = len(sizes) * args.batch
        http_per_s = http_sales / http_s
        log(
            f"http:    {http_sales} sales in {http_s:.2f} s = {http_per_s:.0f} sales/s, "
            f"{bytes_per_sale:.1f} gzip bytes per sale"
        )

        connection.set_tenant(world.tenant)
        expected = (
            len(world.terminals) * args.batch
            + one_sales
            + floor_sales
            + service_sales
            + naive_sales
            + http_sales
        )
        rows, ops, rejected = (
            Sale.objects.count(),
            Op.objects.count(),
            Op.objects.exclude(status="applied").count(),
        )
        connection.set_schema_to_public()
        checks = tenant_reconcile(tenant=world.tenant)
        reconciled = all(c.ok for c in checks)
        log(
            f"{rows} sales recorded for {expected} uploaded ({ops} ops, {rejected} not applied); "
            f"reconciliation {'passes' if reconciled else 'FAILS'}"
        )
        result = {
            "bench": "sync_ingest",
            "sales_per_s": round(sales_per_s),
            "sales_per_s_one_process": round(one_per_s),
            "service_processes": workers,
            "floor_sales_per_s": round(floor_per_s),
            # The engine against plain COPY/INSERT of the same rows, one process each.
            "floor_ratio": round(one_per_s / floor_per_s, 2),
            "naive_sales_per_s": round(naive_per_s),
            # One process against one process: the engines compared, not the cores.
            "ratio": round(one_per_s / naive_per_s, 1),
            "http_sales_per_s": round(http_per_s),
            "bytes_per_sale": round(bytes_per_sale, 1),
            "terminals": args.terminals,
            "batch": args.batch,
            "lines_per_sale": LINES_PER_SALE,
            "sales": expected,
            "exactly_once": rows == expected and rejected == 0,
            "reconciled": reconciled,
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
