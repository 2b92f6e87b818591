"""Tenant routing through PgBouncer in transaction mode (``POS_DB_POOLING=transaction``).

Behind such a pooler each transaction may run on another server connection, so a session-level
``SET search_path`` would stay behind on a server connection and route the next client's queries
into the wrong shop. The first test shows that hazard with PgBouncer itself; the others prove
that the backend leaves no session state and that, under concurrent load from many clients of
several shops through a pool of 2 server connections, not one row of a shop is read or written in
another.
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import random
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import IntegrityError, ProgrammingError, connection, connections, transaction

from pos_platform.db.base import DatabaseWrapper
from pos_platform.kernel.actors import Actor
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.tenants import provisioning
from shared_apps.tenants.models import PooledSchema, Tenant
from shared_apps.tenants.services import TenantCreated
from tenant_apps.catalog.models import Product
from tenant_apps.catalog.services import product_create
from tenant_apps.inventory.services import StockLine, stock_receive
from tenant_apps.sales.models import Sale
from tenant_apps.storefronts.services import storefront_create
from tests.conftest import host_of, member_make
from tests.pgbouncer_server import Bouncer
from tests.production_server import BASE_DIR, gunicorn

pytestmark = pytest.mark.slow

SHOPS = 5
CLIENTS = 20
ROUNDS = 6


def test_a_session_search_path_leaks_to_another_client_through_pgbouncer(
    bouncer_factory: Callable[..., Bouncer],
) -> None:
    """Why session-level routing is unsafe here: with one server connection, what one client SETs
    for its session is what the next client's transaction runs with."""
    bouncer = bouncer_factory(pool_size=1)
    with (
        psycopg.connect(**bouncer.conninfo(), autocommit=True) as a,
        psycopg.connect(**bouncer.conninfo(), autocommit=True) as b,
    ):
        default = b.execute("SHOW search_path").fetchone()
        a.execute("SET search_path = t_alpha, public")
        assert b.execute("SHOW search_path").fetchone() == ("t_alpha, public",)
        a.execute("RESET search_path")
        assert b.execute("SHOW search_path").fetchone() == default


@pytest.fixture
def pooled_alias(bouncer_factory: Callable[..., Bouncer]) -> Iterator[DatabaseWrapper]:
    """A second connection alias, configured as production is behind PgBouncer in transaction
    mode: POOLING=transaction, nothing prepared, through a pool of one server connection."""
    bouncer = bouncer_factory(pool_size=1)
    config = {
        **connection.settings_dict,
        "HOST": "127.0.0.1",
        "PORT": bouncer.port,
        "POOLING": "transaction",
        "DISABLE_SERVER_SIDE_CURSORS": True,
        "OPTIONS": {
            **connection.settings_dict["OPTIONS"],
            "prepare_threshold": None,
            "sslmode": "verify-full",
            "sslrootcert": str(bouncer.ca_file),
        },
    }
    connections.settings["pooled"] = config
    wrapper = connections["pooled"]
    assert isinstance(wrapper, DatabaseWrapper)
    assert wrapper.transaction_pooling
    wrapper.bouncer = bouncer  # type: ignore[attr-defined]
    try:
        yield wrapper
    finally:
        wrapper.close()
        del connections["pooled"]
        del connections.settings["pooled"]


def _other_client_path(bouncer: Bouncer) -> str:
    with psycopg.connect(**bouncer.conninfo(), autocommit=True) as other:
        row = other.execute("SHOW search_path").fetchone()
    assert row is not None
    return str(row[0])


def test_the_pooled_backend_leaves_no_search_path_behind(pooled_alias: DatabaseWrapper) -> None:
    tenant_a = Tenant.objects.get(slug="alpha")
    bouncer: Bouncer = pooled_alias.bouncer  # type: ignore[attr-defined]
    default = _other_client_path(bouncer)
    pooled_alias.set_tenant(tenant_a)

    # Outside a transaction: the statement runs in one of its own, on the tenant's path.
    with pooled_alias.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path'), count(*) FROM storefronts_storefront")
        path, _count = cursor.fetchone()
    assert path == f"{tenant_a.schema_name}, public"
    assert pooled_alias.get_autocommit()
    assert _other_client_path(bouncer) == default

    # In a transaction: SET LOCAL once, gone at commit.
    with transaction.atomic(using="pooled"), pooled_alias.cursor() as cursor:
        cursor.execute("SHOW search_path")
        assert cursor.fetchone() == (f"{tenant_a.schema_name}, public",)
        cursor.execute("SELECT 1")
    assert _other_client_path(bouncer) == default

    # A statement that fails in its own transaction rolls it back, with Django's error; the
    # connection goes on.
    with pytest.raises(ProgrammingError, match="no_such_table"), pooled_alias.cursor() as cursor:
        cursor.execute("SELECT * FROM no_such_table")
    with pytest.raises(IntegrityError), pooled_alias.cursor() as cursor:
        cursor.execute(
            "INSERT INTO storefronts_storefront (id, code, name, is_active, created_at, updated_at) "
            "SELECT '00000000-0000-4000-8000-00000000000a'::uuid, c, c, true, now(), now() "
            "FROM (VALUES ('DUPA'), ('DUPB')) AS v(c)"
        )
    with pooled_alias.cursor() as cursor:
        cursor.execute("SELECT current_setting('search_path')")
        assert cursor.fetchone() == (f"{tenant_a.schema_name}, public",)
    assert _other_client_path(bouncer) == default

    # Many parameter sets, one at a time in one transaction (psycopg would pipeline them, which
    # PgBouncer 1.18 mishandles): the server connection is free again afterwards.
    with pooled_alias.cursor() as cursor:
        cursor.executemany(
            "UPDATE storefronts_storefront SET name = name WHERE code = %s", [("NONE1",), ("NONE2",)]
        )
    assert _other_client_path(bouncer) == default

    # A savepoint rolled back undoes a SET LOCAL made inside it: the next statement sets it again.
    pooled_alias.set_schema_to_public()
    with transaction.atomic(using="pooled"):
        with pooled_alias.cursor() as cursor:
            cursor.execute("SHOW search_path")
            assert cursor.fetchone() == default_row(default)
        try:
            with transaction.atomic(using="pooled"):
                pooled_alias.set_tenant(tenant_a)
                with pooled_alias.cursor() as cursor:
                    cursor.execute("SHOW search_path")
                    assert cursor.fetchone() == (f"{tenant_a.schema_name}, public",)
                raise RuntimeError("roll back to the savepoint")
        except RuntimeError:
            pass
        with pooled_alias.cursor() as cursor:
            cursor.execute("SHOW search_path")
            assert cursor.fetchone() == (f"{tenant_a.schema_name}, public",)
    assert _other_client_path(bouncer) == default


def default_row(default: str) -> tuple[str]:
    return (default,)


# ---------------------------------------------------------------------------------------------
# 20 clients of 5 shops through a pool of 2 server connections, over HTTP to gunicorn
# ---------------------------------------------------------------------------------------------


class ShopUnderLoad:
    def __init__(self, created: TenantCreated, index: int) -> None:
        self.tenant = created.tenant
        self.slug = created.tenant.slug
        self.code = f"S{index}"
        connection.set_tenant(self.tenant)
        actor = Actor.system("tests")
        self.storefront = storefront_create(code=self.code, name=f"Shop {index}", actor=actor)
        self.product = product_create(
            sku=f"{self.slug}-base", name="Base", price=Decimal("2.00"), actor=actor
        )
        stock_receive(
            storefront_id=self.storefront.pk, lines=[StockLine(self.product.pk, Decimal(5000))], actor=actor
        )
        self.tokens = [member_make(self.tenant, "admin").token for _ in range(CLIENTS // SHOPS)]
        connection.set_schema_to_public()


def _call(base: str, shop: ShopUnderLoad, token: str, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(  # noqa: S310 - loopback test server
        base + path,
        data=data,
        method=method,
        headers={
            "Host": host_of(shop.slug),
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            # As a till sends it: an idempotent write (its store and COMMIT pipelined) through the pool.
            **({"Idempotency-Key": uuid.uuid4().hex} if method == "POST" else {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()[:300]


def test_twenty_clients_of_five_shops_through_a_pool_of_two(
    bouncer_factory: Callable[..., Bouncer], committed_tenant: Callable[..., TenantCreated]
) -> None:
    shops = [ShopUnderLoad(committed_tenant(), index) for index in range(SHOPS)]
    bouncer = bouncer_factory(pool_size=2)
    clients = [(shop, token) for shop in shops for token in shop.tokens]
    statuses: Counter[tuple[str, int]] = Counter()
    foreign: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(clients))

    def client(number: int, base: str) -> None:
        shop, token = clients[number]
        rng = random.Random(number)
        start.wait()
        for round_ in range(ROUNDS):
            steps = ["product", "sale", "list_products", "list_sales"]
            rng.shuffle(steps)
            for step in steps:
                if step == "product":
                    status, body = _call(
                        base,
                        shop,
                        token,
                        "POST",
                        "/api/v1/products",
                        {"sku": f"{shop.slug}-{number}-{round_}", "name": f"P{number}", "price": "3.00"},
                    )
                elif step == "sale":
                    status, body = _call(
                        base,
                        shop,
                        token,
                        "POST",
                        "/api/v1/sales",
                        {
                            "storefront_id": str(shop.storefront.pk),
                            "lines": [{"product_id": str(shop.product.pk), "quantity": "1"}],
                            "payments": [{"method": "cash", "amount": "5.00"}],
                        },
                    )
                    if status == 201 and not body["receipt_number"].startswith(f"{shop.code}-"):
                        with lock:
                            foreign.append(f"{shop.slug} sale receipt {body['receipt_number']}")
                elif step == "list_products":
                    status, body = _call(base, shop, token, "GET", "/api/v1/products?limit=500")
                    if status == 200:
                        strangers = [p["sku"] for p in body["results"] if not p["sku"].startswith(shop.slug)]
                        if strangers:
                            with lock:
                                foreign.append(f"{shop.slug} read products {strangers[:3]}")
                else:
                    status, body = _call(base, shop, token, "GET", "/api/v1/sales?limit=500")
                    if status == 200:
                        strangers = [
                            s["receipt_number"]
                            for s in body["results"]
                            if not s["receipt_number"].startswith(f"{shop.code}-")
                        ]
                        if strangers:
                            with lock:
                                foreign.append(f"{shop.slug} read sales {strangers[:3]}")
                with lock:
                    statuses[(step, status)] += 1

    with (
        gunicorn(
            database_url=bouncer.url(),
            env={"POS_DB_POOLING": "transaction", "DB_CONN_MAX_AGE": "60"},
            workers=2,
            threads=4,
        ) as base,
        concurrent.futures.ThreadPoolExecutor(max_workers=len(clients)) as pool,
    ):
        for future in [pool.submit(client, n, base) for n in range(len(clients))]:
            future.result()

    expected = CLIENTS * ROUNDS
    assert foreign == []
    assert statuses == Counter(
        {
            ("product", 201): expected,
            ("sale", 201): expected,
            ("list_products", 200): expected,
            ("list_sales", 200): expected,
        }
    ), statuses
    # What each shop's schema holds: its own rows, every one of them, and nobody else's.
    per_shop = CLIENTS // SHOPS * ROUNDS
    for shop in shops:
        connection.set_tenant(shop.tenant)
        skus = list(Product.objects.values_list("sku", flat=True))
        assert len(skus) == per_shop + 1
        assert all(sku.startswith(f"{shop.slug}-") for sku in skus), skus
        sales = list(Sale.objects.values_list("storefront_id", "receipt_number"))
        assert len(sales) == per_shop
        assert {sid for sid, _ in sales} == {shop.storefront.pk}
        assert all(number.startswith(f"{shop.code}-") for _, number in sales)
    connection.set_schema_to_public()
    # The server really went through PgBouncer, over TLS, two server connections at most.
    with psycopg.connect(
        **{**bouncer.conninfo(), "dbname": "pgbouncer"}, autocommit=True, prepare_threshold=None
    ) as admin:
        cursor = admin.cursor(row_factory=psycopg.rows.dict_row)
        cursor.execute("SHOW STATS")
        stats = {row["database"]: row for row in cursor.fetchall()}
        cursor.execute("SHOW POOLS")
        pools = [row for row in cursor.fetchall() if row["database"] == bouncer.database]
    assert stats[bouncer.database]["total_xact_count"] >= 4 * expected
    assert pools
    assert pools[0]["pool_mode"] == "transaction"
    assert pools[0]["sv_active"] + pools[0]["sv_idle"] + pools[0]["sv_used"] <= 2


# ---------------------------------------------------------------------------------------------
# Platform work through the pooler: what may run there, and what must refuse to
# ---------------------------------------------------------------------------------------------


def _manage(bouncer: Bouncer, *args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": bouncer.url(),
        "POS_DB_POOLING": "transaction",
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
    }
    command = [sys.executable, "-c", code] if code else [sys.executable, "manage.py", *args]
    return subprocess.run(command, env=env, cwd=BASE_DIR, capture_output=True, text=True, timeout=300)


def test_the_schema_pool_fills_through_pgbouncer_and_leaves_no_lock(
    bouncer_factory: Callable[..., Bouncer],
) -> None:
    bouncer = bouncer_factory(pool_size=2)
    provisioning.snapshot_current()  # built on a direct connection, as `tenant migrate` does
    before = set(PooledSchema.objects.values_list("pk", flat=True))
    try:
        result = _manage(
            bouncer,
            code=(
                "import django; django.setup()\n"
                "from shared_apps.tenants.provisioning import pool_fill\n"
                "print(pool_fill(size=2))\n"
            ),
        )
        assert result.returncode == 0, result.stderr
        assert "PoolReport(ready=2, built=2, dropped=0, filled=True)" in result.stdout
        made = set(PooledSchema.objects.values_list("pk", flat=True)) - before
        assert len(made) == 2
        assert all(provisioning.schema_exists(name) for name in made)
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'")
            assert cursor.fetchone() == (0,)
    finally:
        for name in set(PooledSchema.objects.values_list("pk", flat=True)) - before:
            PooledSchema.objects.filter(pk=name).delete()
            provisioning.schema_drop(schema_name=name)


def test_tenant_migrate_refuses_to_run_through_pgbouncer(bouncer_factory: Callable[..., Bouncer]) -> None:
    bouncer = bouncer_factory(pool_size=2)
    before = PlatformAuditEntry.objects.count()
    result = _manage(bouncer, "tenant", "migrate")
    assert result.returncode == 2
    assert "needs a direct connection to PostgreSQL" in result.stderr
    assert PlatformAuditEntry.objects.count() == before
