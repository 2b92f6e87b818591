"""Many shops on one PostgreSQL: what grows with the number of tenant schemas, measured.

Brings a kept database (``--database``, default ``pos_scale``, on ``POS_SCALE_DATABASE_URL``'s
server, else the configured or embedded one; never dropped, so that 10,000 shops are paid for
once) up to ``--shops`` N shops, each with a storefront, 50 products (one stocked) and a paired
terminal, then measures at that N:

* provisioning: ``tenant_create`` from the pool of schemas built ahead (refilled between creates,
  untimed, as the worker does) and from the snapshot's script (pool empty), plus the shop's
  seeding; and the bulk throughput of ``--workers`` processes creating shops from the script;
* ``tenant migrate`` with nothing pending (process start included), trusting the schemas' stamps
  and with ``--verify`` (every schema's ``django_migrations`` read, the earlier behaviour);
* ``tenant migrate --parallel P`` with one real migration (a nullable column and an index on
  ``catalog_product``), which exists in this benchmark only and is undone afterwards;
* over HTTP (gunicorn, ``deploy/gunicorn.conf.py``; every shop's route cached first, as on a
  platform up for a day, unless ``--cold-routes``): an online sale and a terminal's full pull
  against a random shop of the first 10 ("small") and of all N ("large"), in alternating rounds
  of one run at a steady pace, p50 / p95 side by side;
* the memory of one PostgreSQL backend after one worker served ``--memory-shops`` different
  shops (``pg_backend_memory_contexts`` and ``/proc/PID/status`` when the server is local), with
  ``POS_DB_RECYCLE_AFTER_SCHEMAS`` off and at its setting;
* ``pg_dump`` of one shop's schema, and the size of ``pg_class`` / ``pg_attribute``.

Prints one JSON line last: {"bench": "scale", "shops": N, ...}.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import re
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from common import BASE_DIR, drive_paced, gunicorn_server, log, p50

OWNER = "owner@scale.bench"
CASHIER = "cashier@scale.bench"
PRODUCTS = 50
SMALL = 10
_STATE = "bench_scale_shop"  # public table of the shops' credentials, kept with the database


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _database_url(name: str) -> str:
    base = os.environ.get("POS_SCALE_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not base:
        sys.path.insert(0, str(BASE_DIR))
        from pos_platform import embedded

        base = embedded.postgres_url()
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _setup(url: str) -> None:
    """Create the database if it is missing (kept otherwise), point Django at it, migrate."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(
        urlunsplit(parts._replace(path="/postgres", scheme="postgresql")), autocommit=True
    ) as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pos_platform.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # The bench fills the pool itself where it measures the pool; nothing is queued for a worker.
    os.environ["POS_SCHEMA_POOL_SIZE"] = "0"
    os.environ["POS_HTTPS"] = "0"  # plain HTTP on the loopback, as the bench's gunicorn serves
    # Cached routes (host -> tenant) of another bench database must not answer for this one's hosts.
    os.environ["CACHE_KEY_PREFIX"] = f"pos-bench-{name}"
    import django

    django.setup()
    from shared_apps.tenants import migrating

    migrating.migrate_public()
    from pos_platform.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {_STATE} (n int PRIMARY KEY, slug text NOT NULL, "
            "schema_name text NOT NULL, token text NOT NULL, credential text NOT NULL, "
            "storefront_id uuid NOT NULL, product_id uuid NOT NULL)"
        )


# --------------------------------------------------------------------------------------------
# Provisioning
# --------------------------------------------------------------------------------------------


def _shop_create(n: int) -> tuple[float, float]:
    """Shop number ``n``: tenant, cashier's token, storefront, products, paired terminal.
    Returns (tenant_create ms, seeding ms)."""
    from django_tenants.utils import schema_context

    from pos_platform.db import connection
    from pos_platform.kernel.actors import Actor
    from shared_apps.accounts.models import User
    from shared_apps.accounts.services import membership_grant
    from shared_apps.accounts.tokens import token_issue
    from shared_apps.tenants.services import tenant_create
    from sync.terminals import terminal_create, terminal_pair
    from tenant_apps.catalog.models import Product, ProductPrice
    from tenant_apps.inventory.services import StockLine, stock_receive
    from tenant_apps.storefronts.services import storefront_create

    slug = f"scale-{n:05d}"
    t0 = time.perf_counter()
    tenant = tenant_create(slug=slug, name=f"Scale {n}", owner_email=OWNER, actor="bench").tenant
    t1 = time.perf_counter()
    cashier = User.objects.get(email=CASHIER)
    membership_grant(user=cashier, tenant_id=tenant.pk, role="cashier")
    token = token_issue(user=cashier, tenant_id=tenant.pk).raw
    actor = Actor.system("bench")
    with schema_context(tenant.schema_name):
        storefront = storefront_create(code="MAIN", name="Main", actor=actor)
        # The rows product_create writes (product, its base price), in two statements.
        products = [
            Product(sku=f"SKU{i:03d}", name=f"Product {i}", track_stock=i == 0) for i in range(PRODUCTS)
        ]
        Product.objects.bulk_create(products)
        ProductPrice.objects.bulk_create(
            [
                ProductPrice(product=p, price=Decimal("2.50") + i, effective_from=products[0].created_at)
                for i, p in enumerate(products)
            ]
        )
        stock_receive(
            storefront_id=storefront.pk, lines=[StockLine(products[0].pk, Decimal(100_000))], actor=actor
        )
        pairing = terminal_create(storefront_id=storefront.pk, code="T1", name="Till 1", actor=actor)
        credential = terminal_pair(code=pairing.code, client_ip="127.0.0.1").credential
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {_STATE} VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [n, slug, tenant.schema_name, token, credential, storefront.pk, products[0].pk],
        )
    return (t1 - t0) * 1000, (time.perf_counter() - t1) * 1000


def _provision_worker(numbers: list[int]) -> list[tuple[float, float]]:
    from django.db import connections

    connections.close_all()  # a forked worker opens its own connection
    return [_shop_create(n) for n in numbers]


def provision(target: int, workers: int, pool_sample: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connections

    from pos_platform.db import connection
    from shared_apps.accounts.services import user_get_or_create
    from shared_apps.tenants import provisioning

    provisioning.snapshot_current()
    user_get_or_create(email=OWNER)
    user_get_or_create(email=CASHIER)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(n) + 1, 0) FROM {_STATE}")
        (start,) = cursor.fetchone()
        # A shop an interrupted run left half made.
        cursor.execute(
            "SELECT slug FROM tenants_tenant WHERE slug LIKE 'scale-%%' "
            f"AND slug NOT IN (SELECT slug FROM {_STATE})"
        )
        orphans = [row[0] for row in cursor.fetchall()]
    from shared_apps.tenants.services import tenant_delete

    for slug in orphans:
        tenant_delete(slug=slug, actor="bench", confirmed=True)
    result: dict[str, Any] = {"shops_before": start}
    if start >= target:
        return result
    numbers = list(range(start, target))
    # From the pool (refilled between creates, untimed), then from the script, one at a time.
    sample = numbers[: min(pool_sample, len(numbers))]
    pooled: list[tuple[float, float]] = []
    settings.POS_SCHEMA_POOL_SIZE = 2
    for n in sample[: len(sample) // 2]:
        provisioning.pool_fill()
        pooled.append(_shop_create(n))
    provisioning.pool_fill(size=0)
    settings.POS_SCHEMA_POOL_SIZE = 0
    scripted = [_shop_create(n) for n in sample[len(sample) // 2 :]]
    rest = numbers[len(sample) :]
    bulk: list[tuple[float, float]] = []
    seconds = 0.0
    if rest:
        connections.close_all()
        t0 = time.perf_counter()
        chunks = [rest[i : i + 50] for i in range(0, len(rest), 50)]
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            for done, part in enumerate(pool.imap_unordered(_provision_worker, chunks), 1):
                bulk += part
                if done % 10 == 0 or done == len(chunks):
                    log(
                        f"provisioned {start + len(sample) + len(bulk)}/{target} "
                        f"({time.perf_counter() - t0:.0f} s)"
                    )
        seconds = time.perf_counter() - t0
    if pooled:
        result.update(
            pool_create_p50_ms=round(p50([a for a, _ in pooled]), 1),
            pool_shop_p50_ms=round(p50([a + b for a, b in pooled]), 1),
        )
    if scripted:
        result.update(
            snapshot_create_p50_ms=round(p50([a for a, _ in scripted]), 1),
            snapshot_shop_p50_ms=round(p50([a + b for a, b in scripted]), 1),
            seed_p50_ms=round(p50([b for _, b in scripted]), 1),
        )
    if bulk:
        result.update(
            bulk_shops=len(bulk),
            bulk_workers=workers,
            bulk_shops_per_s=round(len(bulk) / seconds, 1),
            bulk_create_p50_ms=round(p50([a for a, _ in bulk]), 1),
        )
    return result


# --------------------------------------------------------------------------------------------
# tenant migrate
# --------------------------------------------------------------------------------------------


def _manage(*args: str) -> tuple[float, str]:
    t0 = time.perf_counter()
    run = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), "tenant", *args],
        env={**os.environ, "POS_SCHEMA_POOL_SIZE": "0"},
        capture_output=True,
        text=True,
        check=True,
    )
    return time.perf_counter() - t0, run.stdout.strip().splitlines()[-1]


BENCH_MIGRATION = ("catalog", "0999_scale_bench_column")


def _install_bench_migration() -> None:
    """A migration that exists in this process (and its forks) only: a column and an index."""
    from django.db import migrations, models
    from django.db.migrations.loader import MigrationLoader

    from shared_apps.tenants import provisioning

    loader = MigrationLoader(None, ignore_no_migrations=True)
    (leaf,) = [key for key in loader.graph.leaf_nodes() if key[0] == "catalog"]

    class BenchMigration(migrations.Migration):
        dependencies = [leaf]
        operations = [
            migrations.AddField("product", "scale_note", models.CharField(max_length=40, null=True)),
            migrations.AddIndex(
                "product", models.Index(fields=["scale_note"], name="product_scale_note_idx")
            ),
        ]

    original = MigrationLoader.load_disk

    def load_disk(self: MigrationLoader) -> None:
        original(self)
        self.disk_migrations[BENCH_MIGRATION] = BenchMigration(BENCH_MIGRATION[1], BENCH_MIGRATION[0])

    MigrationLoader.load_disk = load_disk  # type: ignore[method-assign]
    MigrationLoader._scale_original = original  # type: ignore[attr-defined]
    provisioning.snapshot_forget()


def _undo_bench_migration(before: str) -> float:
    """Take the bench's column out of every schema again and give the stamps back."""
    from django.db.migrations.loader import MigrationLoader

    from pos_platform.db import connection
    from shared_apps.tenants import provisioning
    from shared_apps.tenants.models import SchemaSnapshot, Tenant

    t0 = time.perf_counter()
    MigrationLoader.load_disk = MigrationLoader._scale_original  # type: ignore[attr-defined,method-assign]
    SchemaSnapshot.objects.exclude(pk=before).delete()
    provisioning.snapshot_forget()
    schemas = list(Tenant.objects.values_list("schema_name", flat=True))
    with connection.cursor() as cursor:
        for i in range(0, len(schemas), 200):
            sql = "".join(
                f'ALTER TABLE "{s}".catalog_product DROP COLUMN IF EXISTS scale_note;'
                f'DELETE FROM "{s}".django_migrations '
                f"WHERE app = 'catalog' AND name = '{BENCH_MIGRATION[1]}';"
                for s in schemas[i : i + 200]
            )
            cursor.execute(sql)
        cursor.execute(f"DELETE FROM public.django_migrations WHERE name = '{BENCH_MIGRATION[1]}'")
    Tenant.objects.update(migration_fingerprint=before)
    return time.perf_counter() - t0


def migrate_figures(parallel: int, sample: int) -> dict[str, Any]:
    import io

    from django.core.management import call_command

    from shared_apps.tenants import provisioning

    before = provisioning.migration_state().fingerprint
    noop, line = _manage("migrate")
    log(f"no-op tenant migrate: {noop:.2f} s ({line})")
    verify, line = _manage("migrate", "--verify")
    log(f"no-op tenant migrate --verify: {verify:.2f} s ({line})")
    again, _ = _manage("migrate")
    _install_bench_migration()
    out = io.StringIO()
    t0 = time.perf_counter()
    try:
        call_command("tenant", "migrate", "--parallel", str(parallel), stdout=out, stderr=io.StringIO())
    finally:
        column = time.perf_counter() - t0
        lines = out.getvalue().strip().splitlines()
        log(f"one-column migrate (--parallel {parallel}): {column:.1f} s ({lines[-3:]})")
        undo = _undo_bench_migration(before)
    log(f"bench migration undone in {undo:.1f} s")
    # "Steps: plan 1.0 s, scripts 2.0 s, schemas 30.0 s, snapshot 9.0 s."
    steps = {
        f"migrate_column_{name}_s": float(secs)
        for line in lines
        if line.startswith("Steps: ")
        for name, secs in re.findall(r"(\w+) ([\d.]+) s", line)
    }
    per_schema = _script_against_executor(sample, before) if sample else {}
    return {
        "migrate_noop_s": round(min(noop, again), 2),
        "migrate_noop_verify_s": round(verify, 2),
        "migrate_column_s": round(column, 1),
        **steps,
        "migrate_parallel": parallel,
        **per_schema,
    }


def _script_against_executor(count: int, before: str) -> dict[str, Any]:
    """The same migration into the same ``count`` schemas, one process, by the plan's SQL script
    and by Django's executor (the path every schema took before): seconds per schema."""
    from shared_apps.tenants import migrating, migration_sql
    from shared_apps.tenants.models import Tenant

    sample = list(Tenant.objects.order_by("slug").values_list("schema_name", flat=True)[:count])
    seconds: dict[str, float] = {}
    for path in ("script", "executor"):
        _install_bench_migration()
        t0 = time.perf_counter()
        if path == "script":
            scripts, rest = migration_sql.scripts_plan(sample)
            assert not rest
            migrating._scripts = scripts
            jobs = [(schema, 0) for schema in sample]
        else:
            jobs = [(schema, -1) for schema in sample]
        failed = [schema for schema, error in migrating._run(jobs, 1) if error]
        seconds[path] = (time.perf_counter() - t0) / len(sample)
        assert not failed, failed
        _undo_bench_migration(before)
    log(f"per schema: script {seconds['script'] * 1000:.0f} ms, executor {seconds['executor'] * 1000:.0f} ms")
    return {
        "migrate_sample": len(sample),
        "migrate_script_ms_per_schema": round(seconds["script"] * 1000, 1),
        "migrate_executor_ms_per_schema": round(seconds["executor"] * 1000, 1),
        "migrate_executor_ratio": round(seconds["executor"] / seconds["script"], 1),
    }


# --------------------------------------------------------------------------------------------
# Requests over HTTP
# --------------------------------------------------------------------------------------------


def _shops() -> list[tuple[str, str, str, str, str]]:
    from django.conf import settings

    from pos_platform.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT slug, token, credential, storefront_id, product_id FROM {_STATE} ORDER BY n")
        return [
            (f"{r[0]}.{settings.POS_BASE_DOMAIN}", r[1], r[2], str(r[3]), str(r[4]))
            for r in cursor.fetchall()
        ]


def _sale_request(shop: tuple[str, str, str, str, str]) -> bytes:
    host, token, _, storefront, product = shop
    body = json.dumps(
        {
            "storefront_id": storefront,
            "lines": [{"product_id": product, "quantity": "1"}],
            "payments": [{"method": "cash", "amount": "20.00"}],
        }
    ).encode()
    return (
        f"POST /api/v1/sales HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nIdempotency-Key: {uuid.uuid4().hex}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def _pull_request(shop: tuple[str, str, str, str, str]) -> bytes:
    host, _, credential, _, _ = shop
    return (
        f"GET /api/v1/sync/pull?limit=200 HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {credential}\r\n\r\n"
    ).encode()


def http_figures(
    url: str, *, rounds: int, seconds: float, rate: float, clients: int, warm_routes: bool
) -> dict[str, Any]:
    from django.conf import settings

    shops = _shops()
    small, large = shops[:SMALL], shops
    rng = random.Random(15)
    lat: dict[str, list[float]] = {k: [] for k in ("sale_small", "sale_large", "pull_small", "pull_large")}
    errors = 0
    host = f".{settings.POS_BASE_DOMAIN}"
    env = {"POS_SCHEMA_POOL_SIZE": "0", "ALLOWED_HOSTS": f"{host},127.0.0.1,localhost"}
    if warm_routes:
        # As on a platform that has been up a while: every shop's route is in the cache (kept a
        # day, POS_ROUTE_CACHE_SECONDS), its backends' catalog caches are not.
        from shared_apps.tenants.routing import route_resolve

        t0 = time.perf_counter()
        for shop in shops:
            route_resolve(shop[0])
        log(f"{len(shops)} routes cached in {time.perf_counter() - t0:.1f} s")
    with gunicorn_server(url=url, host=host, env=env, ready_seconds=120) as port:
        # Warm-up on the small mix only: the large mix is what a platform of N shops meets.
        for kind in ("sale", "pull"):
            make = _sale_request if kind == "sale" else _pull_request
            drive_paced(port, clients, 3, rate, lambda make=make: make(rng.choice(small)))
        for _ in range(rounds):
            for kind in ("sale", "pull"):
                make = _sale_request if kind == "sale" else _pull_request
                for mix, group in (("small", small), ("large", large)):
                    values, statuses = drive_paced(
                        port, clients, seconds, rate, lambda make=make, group=group: make(rng.choice(group))
                    )
                    lat[f"{kind}_{mix}"] += values
                    errors += sum(v for k, v in statuses.items() if k not in (200, 201))
    result: dict[str, Any] = {
        "http_rate": rate,
        "http_clients": clients,
        "http_errors": errors,
        "http_routes_warm": warm_routes,
    }
    for key, values in lat.items():
        result[f"{key}_p50_ms"] = round(p50(values), 1)
        result[f"{key}_p95_ms"] = round(p95(values), 1)
    for kind in ("sale", "pull"):
        result[f"{kind}_p95_ratio"] = round(
            result[f"{kind}_large_p95_ms"] / result[f"{kind}_small_p95_ms"], 2
        )
    return result


# --------------------------------------------------------------------------------------------
# Backend memory after one worker served many shops
# --------------------------------------------------------------------------------------------


def _backend_memory(local: bool) -> tuple[int, int | None]:
    """(bytes in the backend's memory contexts, its private resident KiB or None)."""
    from pos_platform.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid(), sum(total_bytes)::bigint FROM pg_backend_memory_contexts")
        pid, total = cursor.fetchone()
    anon = None
    if local:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("RssAnon:"):
                    anon = int(line.split()[1])
    return int(total), anon


def memory_figures(count: int, recycle: int) -> dict[str, Any]:
    from django.db import close_old_connections
    from django.test import Client, override_settings

    from pos_platform.db import connection

    shops = _shops()[:count]
    local = urlsplit(os.environ["DATABASE_URL"]).hostname in ("127.0.0.1", "localhost", None)
    result: dict[str, Any] = {"memory_shops": len(shops)}
    # Only the count of schemas may close the connection here, not its age (DB_CONN_MAX_AGE).
    connection.settings_dict["CONN_MAX_AGE"] = None
    for label, limit in (("off", 0), ("on", recycle)):
        close_old_connections()
        connection.close()
        peak_ctx = peak_anon = 0
        backends: set[int] = set()
        curve: list[int] = []
        with override_settings(POS_DB_RECYCLE_AFTER_SCHEMAS=limit, ALLOWED_HOSTS=["*"]):
            client = Client()
            for i, (host, _, credential, _, _) in enumerate(shops, 1):
                response = client.get(
                    "/api/v1/sync/pull?limit=200",
                    headers={"host": host, "authorization": f"Bearer {credential}"},
                )
                assert response.status_code == 200, (response.status_code, response.content[:200])
                if i % 50 == 0 or i == len(shops):
                    total, anon = _backend_memory(local)
                    backends.add(connection.connection.info.backend_pid)
                    peak_ctx = max(peak_ctx, total)
                    peak_anon = max(peak_anon, anon or 0)
                    if i % 500 == 0 or i == len(shops):
                        curve.append(round(total / 2**20, 1))
                # What the WSGI handler does at the end of each request (the test client does not).
                close_old_connections()
        result[f"memory_recycle_{label}_peak_mib"] = round(peak_ctx / 2**20, 1)
        result[f"memory_recycle_{label}_rss_anon_peak_mib"] = round(peak_anon / 1024, 1) if local else None
        result[f"memory_recycle_{label}_backends"] = len(backends)
        result[f"memory_recycle_{label}_curve_mib"] = curve
        log(f"backend memory, recycling {label} ({limit}): peak {peak_ctx / 2**20:.1f} MiB, curve {curve}")
    result["recycle_after_schemas"] = recycle
    return result


def cold_figures(count: int) -> dict[str, Any]:
    """Where a request's time goes when its shop is new to the backend, in this process (Django's
    test client, one connection): for ``count`` shops each, a sale and a pull to a shop this
    connection has not served (its route maybe not cached either), the same request again (warm),
    and again on a new connection (route cached, backend cold); and a bare reconnect."""
    from django.db import close_old_connections
    from django.test import Client, override_settings

    from pos_platform.db import connection

    shops = _shops()[SMALL:]
    rng = random.Random(16)
    picked = rng.sample(shops, min(len(shops), 2 * count))
    connection.settings_dict["CONN_MAX_AGE"] = None
    times: dict[str, list[float]] = {}
    close_old_connections()
    connection.close()

    def timed(key: str, call: Any) -> None:
        t0 = time.perf_counter()
        response = call()
        times.setdefault(key, []).append((time.perf_counter() - t0) * 1000)
        assert response.status_code in (200, 201), (response.status_code, response.content[:200])
        close_old_connections()

    with override_settings(POS_DB_RECYCLE_AFTER_SCHEMAS=0, ALLOWED_HOSTS=["*"]):
        client = Client()
        for i, shop in enumerate(picked):
            host, token, credential, storefront, product = shop
            if i % 2 == 0:
                kind = "sale"

                def call(
                    host: str = host, token: str = token, sf: str = storefront, pr: str = product
                ) -> Any:
                    body = {
                        "storefront_id": sf,
                        "lines": [{"product_id": pr, "quantity": "1"}],
                        "payments": [{"method": "cash", "amount": "20.00"}],
                    }
                    return client.post(
                        "/api/v1/sales",
                        body,
                        content_type="application/json",
                        headers={
                            "host": host,
                            "authorization": f"Bearer {token}",
                            "idempotency-key": uuid.uuid4().hex,
                        },
                    )
            else:
                kind = "pull"

                def call(host: str = host, credential: str = credential) -> Any:
                    return client.get(
                        "/api/v1/sync/pull?limit=200",
                        headers={"host": host, "authorization": f"Bearer {credential}"},
                    )

            timed(f"{kind}_cold", call)
            timed(f"{kind}_warm", call)
            connection.close()
            timed(f"{kind}_new_connection", call)
            connection.close()
            t0 = time.perf_counter()
            connection.ensure_connection()
            with connection.cursor() as cursor:
                cursor.execute("SELECT 1")
            times.setdefault("connect", []).append((time.perf_counter() - t0) * 1000)
    result: dict[str, Any] = {"cold_shops": len(picked)}
    for key, values in times.items():
        result[f"{key}_p50_ms"] = round(p50(values), 1)
        result[f"{key}_p95_ms"] = round(p95(values), 1)
    log(f"cold/warm: {result}")
    return result


# --------------------------------------------------------------------------------------------
# Catalog size and pg_dump of one shop
# --------------------------------------------------------------------------------------------


def catalog_figures() -> dict[str, Any]:
    from pos_platform.db import connection
    from shared_apps.tenants.provisioning import pg_dump_command

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT count(*) FROM pg_class), pg_total_relation_size('pg_class'), "
            "(SELECT count(*) FROM pg_attribute), pg_total_relation_size('pg_attribute'), "
            "pg_database_size(current_database())"
        )
        classes, class_bytes, attributes, attribute_bytes, db_bytes = cursor.fetchone()
        cursor.execute(f"SELECT schema_name FROM {_STATE} ORDER BY n DESC LIMIT 1")
        (schema,) = cursor.fetchone()
    args, env = pg_dump_command(schema_name=schema, options=[])
    t0 = time.perf_counter()
    dump = subprocess.run(args, env=env, capture_output=True, check=True)
    dump_s = time.perf_counter() - t0
    log(f"pg_dump of {schema}: {dump_s:.2f} s, {len(dump.stdout)} bytes; pg_class {classes} rows")
    return {
        "pg_class_rows": classes,
        "pg_class_mib": round(class_bytes / 2**20, 1),
        "pg_attribute_rows": attributes,
        "pg_attribute_mib": round(attribute_bytes / 2**20, 1),
        "database_mib": round(db_bytes / 2**20),
        "pg_dump_one_shop_s": round(dump_s, 2),
        "pg_dump_one_shop_kib": round(len(dump.stdout) / 1024),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--shops", type=int, default=1000, help="shops the database holds (created if missing)"
    )
    parser.add_argument("--database", default="pos_scale", help="kept between runs")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="provisioning processes")
    parser.add_argument(
        "--pool-sample", type=int, default=20, help="shops created one by one (half from the pool)"
    )
    parser.add_argument("--parallel", type=int, default=2, help="tenant migrate --parallel")
    parser.add_argument(
        "--migrate-sample", type=int, default=10, help="schemas migrated by script and by executor, compared"
    )
    parser.add_argument("--rate", type=float, default=8.0, help="requests/s in all over HTTP")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=6.0, help="seconds per phase and round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--memory-shops", type=int, default=2000)
    parser.add_argument(
        "--cold-shops", type=int, default=100, help="shops each for the cold/warm sale and pull"
    )
    parser.add_argument(
        "--cold-routes",
        action="store_true",
        help="over HTTP, leave the shops' routes out of the cache (by default all are cached first)",
    )
    parser.add_argument("--skip", default="", help="comma-separated: migrate,http,memory,catalog,cold")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))

    url = _database_url(args.database)
    _setup(url)
    from django.conf import settings

    started = time.perf_counter()
    result: dict[str, Any] = {"bench": "scale", "shops": args.shops}

    def part(figures: dict[str, Any]) -> None:
        log(json.dumps(figures))  # each part as it is measured, in case a later one fails
        result.update(figures)

    part(provision(args.shops, args.workers, args.pool_sample))
    log(f"{args.shops} shops ready ({time.perf_counter() - started:.0f} s)")
    if "catalog" not in skip:
        part(catalog_figures())
    if "migrate" not in skip:
        part(migrate_figures(args.parallel, args.migrate_sample))
    if "http" not in skip:
        part(
            http_figures(
                url,
                rounds=args.rounds,
                seconds=args.seconds,
                rate=args.rate,
                clients=args.clients,
                warm_routes=not args.cold_routes,
            )
        )
    if "cold" not in skip:
        part(cold_figures(args.cold_shops))
    if "memory" not in skip:
        part(memory_figures(args.memory_shops, settings.POS_DB_RECYCLE_AFTER_SCHEMAS))
    result["cpus"] = os.cpu_count()
    result["load_avg"] = round(os.getloadavg()[0], 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
