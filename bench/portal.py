"""Back-office pages over real HTTP against the production server, on a shop with a year of history.

One tenant, 3 storefronts with 2 paired terminals each, 500 products with Ghana's levies and VAT,
and a year of sales (by default 200,000 of 1 to 3 lines, paid cash) uploaded by the terminals in
batches through the set-based sync engine (``sync.engine.push_batch``, as ``bench/sync_ingest.py``
does), oldest first. An owner's verified session (password and authenticator passed) reads, with
one keep-alive connection to gunicorn (``deploy/gunicorn.conf.py``), round after round:

* ``trivial``: ``/portal/account`` (the person's role and MFA state: the frame and a query or two);
* ``dashboard``: ``/portal/`` (today against yesterday, the 30-day trend, by hour, top products,
  low stock, terminals and conflicts);
* ``sales``: ``/portal/sales?period=30d`` (a month of sales, no filter, with its totals);
* ``sales_filtered``: the same month at one storefront, one cashier, paid cash;
* ``sale``: one sale's detail (lines, taxes, payments, events);
* ``day_report``: today's X report per storefront.

The time to first byte (the response's head read) is taken at two sizes of the same shop in the
same run: after a tenth of the sales, and after all of them; the number of queries of each page is
counted at both sizes (Django's test client in this process, with the same session), and must not
grow with the data.

Prints one JSON line last: {"bench": "portal", "sales", "p95_ms": {page: ...}, "ratio": {page:
p95 / trivial p95}, "queries": {page: [small, large]}, "queries_flat", "targets_met", ...}.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import multiprocessing
import os
import random
import time
import uuid
from decimal import Decimal
from typing import Any

from common import (
    SaleOps,
    bench_database,
    checkpoint,
    ghana_tax_category,
    gunicorn_server,
    log,
    p50,
    p95,
    push_checked,
    reusing_database,
)

# The shops' hosts: <slug>.localhost.
HOSTS = ".localhost"
DAYS = 365
STOREFRONTS = ("ACC", "KSI", "TML")
TERMINALS_PER_STOREFRONT = 2
TILLS = len(STOREFRONTS) * TERMINALS_PER_STOREFRONT
P95_TARGET_MS = 150.0
RATIO_TARGET = 3.0

# Offline sales up to a year old are accepted as they are (not clamped): the history is real.
os.environ["POS_SYNC_MAX_AGE_DAYS"] = str(DAYS + 30)
os.environ.setdefault("ALLOWED_HOSTS", f"{HOSTS},127.0.0.1,localhost")
# The pages are read over plain HTTP (the server's own answer to a proxy that ended TLS), by
# Django's test client in this process too, whatever the database server.
os.environ.setdefault("POS_HTTPS", "0")


class Shop:
    """The shop, its terminals and cashiers, and a generator of a year of batches."""

    def __init__(self, slug: str, products: int) -> None:
        from django.utils import timezone

        from pos_platform.db import connection
        from pos_platform.kernel.actors import Actor
        from shared_apps.accounts.mfa import mfa_enroll_confirmed
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
        created = tenant_create(
            slug=slug, name=f"Shop {slug}", owner_email=f"owner@{slug}.test", actor="bench"
        )
        self.tenant, self.owner = created.tenant, created.owner
        self.host = f"{slug}.localhost"
        mfa_enroll_confirmed(user=self.owner)
        since = timezone.now() - dt.timedelta(days=DAYS + 5)
        self.now = timezone.now()
        connection.set_tenant(self.tenant)
        actor = Actor.system("bench")
        self.storefronts = [
            storefront_create(code=code, name=f"Storefront {code}", actor=actor) for code in STOREFRONTS
        ]
        std = ghana_tax_category(since=since, actor=actor)
        self.products = []
        for i in range(products):
            product = product_create(
                sku=f"P{i:04d}",
                name=f"Product {i}",
                price=Decimal(f"{1 + i % 40}.{i % 4 * 25:02d}"),
                tax_category_id=std.pk,
                category=f"Category {i % 12}",
                reorder_level=Decimal(5),
                actor=actor,
            )
            self.products.append(product)
        ProductPrice.objects.update(effective_from=since)
        for storefront in self.storefronts:
            stock_receive(
                storefront_id=storefront.pk,
                actor=actor,
                occurred_at=since,
                lines=[StockLine(p.pk, Decimal(100_000)) for p in self.products],
            )
        self.terminals = []
        for s_index, storefront in enumerate(self.storefronts):
            for t_index in range(TERMINALS_PER_STOREFRONT):
                connection.set_schema_to_public()
                user, _ = user_get_or_create(email=f"cashier-{storefront.code}-{t_index}@{slug}.test")
                membership = membership_grant(user=user, tenant_id=self.tenant.pk, role="cashier")
                MembershipHistory.objects.filter(membership_id=membership.pk).update(valid_from=since)
                connection.set_tenant(self.tenant)
                pairing = sync_terminals.terminal_create(
                    storefront_id=storefront.pk, code=f"T{t_index}", name=f"Till {t_index}", actor=actor
                )
                paired = sync_terminals.terminal_pair(
                    code=pairing.code, client_ip=f"10.0.{s_index}.{t_index}"
                )
                self.terminals.append(
                    {
                        "terminal": paired.terminal,
                        "cashier": user.pk,
                        "seq": 0,
                        "receipt": 0,
                        "code": storefront.code,
                    }
                )
        self.sales = SaleOps(self.products, self.storefronts[0].pk, self.now)
        connection.set_schema_to_public()

    @classmethod
    def existing(cls, slug: str, sales: int) -> Shop | None:
        """The shop ``slug`` left by an earlier run (``BENCH_REUSE_DB=1``), when it holds its
        ``sales`` and its history reaches today (the pages read today's figures); else None."""
        from django.utils import timezone

        from pos_platform.db import connection
        from shared_apps.accounts.models import Membership
        from shared_apps.tenants.models import Tenant
        from sync.models import Terminal
        from tenant_apps.sales.models import Sale
        from tenant_apps.storefronts.models import Storefront

        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            return None
        connection.set_tenant(tenant)
        try:
            newest = Sale.objects.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
            if (
                Sale.objects.count() < sales
                or newest is None
                or timezone.localdate(newest) != timezone.localdate()
            ):
                return None
            shop = cls.__new__(cls)
            shop.tenant = tenant
            shop.owner = Membership.objects.select_related("user").get(tenant=tenant, role="owner").user
            shop.host = f"{slug}.localhost"
            shop.now = newest
            shop.storefronts = list(Storefront.objects.order_by("code"))
            first = Terminal.objects.filter(storefront=shop.storefronts[0]).order_by("code").first()
            assert first is not None
            cashier = Sale.objects.filter(terminal_id=first.pk).values_list("cashier_id", flat=True).first()
            shop.terminals = [{"terminal": first, "cashier": cashier}]
            return shop
        finally:
            connection.set_schema_to_public()

    def batch(self, t: dict[str, Any], times: list[dt.datetime], rng: random.Random) -> bytes:
        """The sales of terminal ``t`` made at ``times`` (oldest first), as the JSON a till uploads."""
        ops = []
        for at in times:
            picked = rng.sample(self.products, rng.randint(1, 3))
            quantities = [rng.randint(1, 3) for _ in picked]
            ops.append(
                self.sales.op(
                    t,
                    occurred_at=at.isoformat(timespec="seconds"),
                    receipt_number=f"{t['code']}-{t['terminal'].code}-{t['receipt'] + 1:07d}",
                    picked=picked,
                    quantities=quantities,
                )
            )
        body = {"batch_id": str(uuid.uuid4()), "terminal_time": self.now.isoformat(), "ops": ops}
        return json.dumps(body, separators=(",", ":")).encode()

    def times(self, index: int, count: int, of: int) -> list[dt.datetime]:
        """The times of sales ``index .. index+count`` of ``of``, spread evenly over the days of
        the year up to today and, within a day, over shop hours (08:00 to 20:00)."""
        first = (self.now - dt.timedelta(days=DAYS - 1)).replace(hour=8, minute=0, second=0, microsecond=0)
        out = []
        for i in range(index, index + count):
            day, part = divmod(i * DAYS, of)
            at = first + dt.timedelta(days=day, seconds=12 * 3600 * part / of)
            out.append(min(at, self.now))
        return out


def seed_worker(
    shop: Shop, terminal_indexes: list[int], upto: int, per_terminal: int, batch: int, seed: int
) -> None:
    """Upload the sales of these terminals up to sale number ``upto`` of ``per_terminal`` each."""
    from django.db import connections

    from pos_platform.db import connection
    from sync import engine
    from sync.envelope import parse_batch

    connections.close_all()
    connection.set_tenant(shop.tenant)
    for index in terminal_indexes:
        t = shop.terminals[index]
        rng = random.Random(seed * 1000 + index + t["seq"])
        while t["seq"] < upto:
            count = min(batch, upto - t["seq"])
            body = shop.batch(t, shop.times(t["seq"], count, per_terminal), rng)
            push_checked(engine, parse_batch, t, body)
    connections.close_all()


def seed(shop: Shop, *, upto: int, per_terminal: int, batch: int, workers: int) -> float:
    """Bring every terminal to ``upto`` sales; returns sales per second."""
    from django.db import connection

    connection.close()
    before = sum(t["seq"] for t in shop.terminals)
    context = multiprocessing.get_context("fork")
    shares = [list(range(len(shop.terminals)))[w::workers] for w in range(workers)]
    started = time.perf_counter()
    processes = [
        context.Process(target=seed_worker, args=(shop, share, upto, per_terminal, batch, upto))
        for share in shares
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    assert all(p.exitcode == 0 for p in processes), [p.exitcode for p in processes]
    elapsed = time.perf_counter() - started
    for t in shop.terminals:  # as the workers left them
        t["seq"] = t["receipt"] = upto
    return (upto * len(shop.terminals) - before) / elapsed


def owner_session(shop: Shop) -> str:
    """A session of the owner at the shop's host, past the authenticator step (as the sign-in
    pages leave it)."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django_otp import DEVICE_ID_SESSION_KEY

    from shared_apps.accounts.mfa import totp_device
    from shared_apps.accounts.middleware import SESSION_TENANT_KEY
    from shared_apps.accounts.sessions import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(shop.owner.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = shop.owner.get_session_auth_hash()
    store[SESSION_TENANT_KEY] = str(shop.tenant.pk)
    device = totp_device(shop.owner)
    assert device is not None
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store.create()
    assert store.session_key is not None
    return store.session_key


def pages(shop: Shop) -> dict[str, str]:
    """The pages measured, for the shop as it is now."""
    from django.utils import timezone

    from pos_platform.db import connection
    from tenant_apps.sales.models import Sale

    connection.set_tenant(shop.tenant)
    middle = Sale.objects.order_by("occurred_at").values_list("pk", flat=True)[Sale.objects.count() // 2]
    connection.set_schema_to_public()
    storefront = shop.storefronts[0]
    cashier = shop.terminals[0]["cashier"]
    return {
        "trivial": "/portal/account",
        "dashboard": "/portal/",
        "sales": "/portal/sales?period=30d",
        "sales_filtered": (
            f"/portal/sales?period=30d&storefront={storefront.pk}&cashier={cashier}&method=cash"
        ),
        "sale": f"/portal/sales/{middle}",
        "day_report": f"/portal/reports/day?date={timezone.localdate()}",
    }


def query_counts(host: str, paths: dict[str, str], session: str) -> dict[str, int]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST=host)
    client.cookies[settings.SESSION_COOKIE_NAME] = session
    counts = {}
    for name, path in paths.items():
        client.get(path)  # caches warm, as on a server that has been up a while
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        assert response.status_code == 200, (path, response.status_code, response.content[:300])
        counts[name] = len(queries)
        connection.set_schema_to_public()
    return counts


def ttfb(port: int, targets: dict[str, tuple[str, str, str]], rounds: int) -> dict[str, list[float]]:
    """Milliseconds to the head of each answer; ``targets``: name -> (host, path, session). The
    pages are taken in turn each round, so that a busy moment of the machine weighs on all
    alike (one keep-alive connection, as a browser keeps)."""
    from django.conf import settings

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    times: dict[str, list[float]] = {name: [] for name in targets}
    for round_ in range(rounds + 3):
        for name, (host, path, session) in targets.items():
            headers = {
                "Host": host,
                "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}",
                "Accept-Encoding": "gzip",
            }
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            elapsed = (time.perf_counter() - started) * 1000
            response.read()
            assert response.status == 200, (path, response.status)
            if round_ >= 3:  # warm-up rounds left out
                times[name].append(elapsed)
    conn.close()
    return times


def measure(shops: dict[str, Shop], sessions: dict[str, str], port: int, rounds: int) -> dict[str, Any]:
    """Per shop: p95 and ratio to the trivial page of each page, and its queries."""
    paths = {label: pages(shop) for label, shop in shops.items()}
    counts = {label: query_counts(shop.host, paths[label], sessions[label]) for label, shop in shops.items()}
    times = ttfb(
        port,
        {
            f"{label}/{name}": (shop.host, path, sessions[label])
            for label, shop in shops.items()
            for name, path in paths[label].items()
        },
        rounds,
    )
    results = {}
    for label in shops:
        p95s = {name: round(p95(times[f"{label}/{name}"]), 1) for name in paths[label]}
        trivial = p95s["trivial"]
        for name in paths[label]:
            log(
                f"{label}: {name:15s} p50 {p50(times[f'{label}/{name}']):6.1f} ms  p95 {p95s[name]:6.1f} ms  "
                f"x{p95s[name] / trivial:4.2f}  {counts[label][name]} queries"
            )
        results[label] = {
            "p95_ms": p95s,
            "ratio": {name: round(v / trivial, 2) for name, v in p95s.items() if name != "trivial"},
            "queries": counts[label],
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sales", type=int, default=200_000, help="sales over the year (all terminals)")
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--batch", type=int, default=500, help="sales per uploaded batch")
    parser.add_argument("--rounds", type=int, default=60, help="requests per page and size")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="seeding processes")
    args = parser.parse_args()

    with bench_database(os.environ.get("BENCH_DB_NAME", "pos_bench_portal")) as url:
        from django.core.management import call_command

        from pos_platform.db import connection
        from tenant_apps.reports.services import sales_hours_compact
        from tenant_apps.sales.models import Sale

        # The production server serves the versioned static files (as `manage.py serve` does).
        call_command("collectstatic", interactive=False, verbosity=0)
        # Two shops alike but for their size: a tenth of the history, and all of it.
        sizes = {"small": args.sales // 10, "large": args.sales}
        found = {
            label: Shop.existing(f"{label}shop", size // TILLS * TILLS) if reusing_database() else None
            for label, size in sizes.items()
        }
        if all(found.values()):
            shops = {label: shop for label, shop in found.items() if shop is not None}
            log("reusing the shops of an earlier run (BENCH_REUSE_DB=1)")
        else:
            from shared_apps.tenants.models import Tenant

            if Tenant.objects.filter(slug__in=[f"{label}shop" for label in sizes]).exists():
                raise SystemExit(
                    "BENCH_REUSE_DB=1: the shops of an earlier run are not whole or not of today; "
                    "run once without BENCH_REUSE_DB to seed them again"
                )
            shops = {label: Shop(f"{label}shop", args.products) for label in sizes}
        seeded = {}
        for label, shop in shops.items():
            if all(found.values()):
                connection.set_tenant(shop.tenant)
                seeded[label] = Sale.objects.count()
                connection.set_schema_to_public()
                continue
            per_terminal = sizes[label] // len(shop.terminals)
            rate = seed(
                shop, upto=per_terminal, per_terminal=per_terminal, batch=args.batch, workers=args.workers
            )
            connection.set_tenant(shop.tenant)
            seeded[label] = Sale.objects.count()
            connection.set_schema_to_public()
            log(f"{label}: {seeded[label]} sales over {DAYS} days (seeded at {rate:.0f} sales/s)")
        sessions = {label: owner_session(shop) for label, shop in shops.items()}
        # What the hourly merge of the per-hour sales figures (beat) does over a year, at once.
        for shop in shops.values():
            connection.set_tenant(shop.tenant)
            merged = sales_hours_compact()
            connection.set_schema_to_public()
            log(f"{shop.host}: {merged} per-hour sales rows merged")
        # What autovacuum does over a year of a shop's life, at once: statistics, and the
        # visibility map that lets the covering indexes answer without the table.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")
        checkpoint()
        connection.close()
        with gunicorn_server(url=url, host=HOSTS, ready_seconds=180) as port:
            results = measure(shops, sessions, port, args.rounds)
        connection.close()

    large, small = results["large"], results["small"]
    queries = {name: [small["queries"][name], large["queries"][name]] for name in large["queries"]}
    flat = all(a == b for a, b in queries.values())
    met = all(v <= P95_TARGET_MS for v in large["p95_ms"].values()) and all(
        v <= RATIO_TARGET for v in large["ratio"].values()
    )
    result = {
        "bench": "portal",
        "sales": seeded["large"],
        "sales_small": seeded["small"],
        "products": args.products,
        "storefronts": len(STOREFRONTS),
        "p95_ms": large["p95_ms"],
        "ratio": large["ratio"],
        "p95_ms_small": small["p95_ms"],
        "queries": queries,
        "queries_flat": flat,
        "p95_target_ms": P95_TARGET_MS,
        "ratio_target": RATIO_TARGET,
        "targets_met": met,
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
