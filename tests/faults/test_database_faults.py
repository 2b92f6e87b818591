"""The database fails under the production server: a connection terminated mid-push, every backend
terminated while terminals upload, a database that turns read-only, a disk that fills up.

A push is one transaction: it commits whole or not at all. A push whose connection is lost runs
again at once on a new one; a second loss, or any other fault of the database, is answered ``503``
with a stable code and ``Retry-After``, and the terminal's retry of the same batch applies each op
exactly once. gunicorn's workers open a new connection by themselves."""

from __future__ import annotations

import os
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from django.db import DatabaseError, connection
from django_tenants.utils import tenant_context

from pos_platform.kernel.transactions import DATABASE_BUSY, DATABASE_FULL, database_fault
from shared_apps.tenants.reconciliation import tenant_reconcile
from sync.models import Batch, Op
from tenant_apps.inventory.models import StockLevel
from tenant_apps.sales.models import Sale
from tests.faults.conftest import WEB_APP_NAME, FaultShop, conninfo, push_over_http, terminate_backends
from tests.live_server import gunicorn

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("live_db")]

WEB_ENV = {"PGAPPNAME": WEB_APP_NAME}


def books(fault: FaultShop) -> dict[str, Any]:
    with tenant_context(fault.shop.tenant):
        return {
            "sales": Sale.objects.count(),
            "ops": Op.objects.count(),
            "batches": Batch.objects.count(),
            "rice": StockLevel.objects.get(
                product=fault.shop.products["rice"], storefront=fault.shop.storefront
            ).quantity,
        }


def assert_serving(fault: FaultShop, base: str, credential: str, requests: int = 12) -> None:
    """Every worker thread answers again: no request meets a connection left broken."""
    with fault.client(base) as client:
        answers = [
            client.get("/api/v1/sync/status", headers={"Authorization": f"Bearer {credential}"}).status_code
            for _ in range(requests)
        ]
    assert answers == [200] * requests


def server_lock_waiters(admin: psycopg.Connection[Any]) -> set[int]:
    # Inside a transaction pg_stat_activity is read once and kept: read it afresh.
    admin.execute("SELECT pg_stat_clear_snapshot()")
    rows = admin.execute(
        "SELECT pid FROM pg_stat_activity WHERE application_name = %s AND wait_event_type = 'Lock'",
        [WEB_APP_NAME],
    ).fetchall()
    return {int(pid) for (pid,) in rows}


def wait_for_new_lock_waiter(admin: psycopg.Connection[Any], seen: set[int], seconds: float = 20) -> set[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if waiting := server_lock_waiters(admin) - seen:
            return waiting
        time.sleep(0.05)
    raise AssertionError("no new server backend waited on the lock")


def wait_for_lock_waiter(admin: psycopg.Connection[Any], seconds: float = 20) -> None:
    """Until a backend of the servers waits on a lock."""
    wait_for_new_lock_waiter(admin, set(), seconds)


def test_a_push_whose_connection_is_terminated_mid_transaction_runs_again_on_a_new_one_and_applies_once(
    fault_shop: Callable[..., FaultShop], admin_db: psycopg.Connection[Any]
) -> None:
    fault = fault_shop(terminals=1)
    till = fault.tills[0]
    body = fault.sales_batch(0, 1, 5)
    before = books(fault)
    schema = fault.shop.tenant.schema_name

    with gunicorn(workers=1, threads=2, env=WEB_ENV) as base, fault.client(base) as client:
        assert_serving(fault, base, till.credential, requests=2)
        # The push claims its batch and ops, then waits to insert its sales: terminated there.
        with ThreadPoolExecutor(1) as pool, admin_db.transaction():
            admin_db.execute(f'LOCK TABLE "{schema}".sales_sale IN EXCLUSIVE MODE')
            pending = pool.submit(push_over_http, client, till.credential, body)
            first = wait_for_new_lock_waiter(admin_db, set())
            assert terminate_backends(admin_db, waiting_only=True) == 1
            # The server runs the push again on a new connection, which waits in its turn.
            wait_for_new_lock_waiter(admin_db, first)
            assert books(fault) == before  # the first run rolled back whole
        answer = pending.result(timeout=30)
        again = push_over_http(client, till.credential, body)
        assert_serving(fault, base, till.credential)

    assert answer.status_code == 200, answer.text
    assert [r["status"] for r in answer.json()["results"]] == ["applied"] * 5
    assert again.json() == answer.json()  # the stored answer
    after = books(fault)
    assert (after["sales"], after["ops"], after["batches"]) == (
        before["sales"] + 5,
        before["ops"] + 5,
        before["batches"] + 1,
    )
    assert after["rice"] == before["rice"] - 5
    assert all(check.ok for check in tenant_reconcile(tenant=fault.shop.tenant))


def test_a_push_whose_connection_is_lost_twice_writes_nothing_answers_503_and_its_retry_applies_once(
    fault_shop: Callable[..., FaultShop], admin_db: psycopg.Connection[Any]
) -> None:
    fault = fault_shop(terminals=1)
    till = fault.tills[0]
    body = fault.sales_batch(0, 1, 5)
    before = books(fault)
    schema = fault.shop.tenant.schema_name

    with gunicorn(workers=1, threads=2, env=WEB_ENV) as base, fault.client(base) as client:
        assert_serving(fault, base, till.credential, requests=2)
        with ThreadPoolExecutor(1) as pool, admin_db.transaction():
            admin_db.execute(f'LOCK TABLE "{schema}".sales_sale IN EXCLUSIVE MODE')
            pending = pool.submit(push_over_http, client, till.credential, body)
            first = wait_for_new_lock_waiter(admin_db, set())
            assert terminate_backends(admin_db, waiting_only=True) == 1
            # Its run on a new connection loses that one too: the server gives up.
            wait_for_new_lock_waiter(admin_db, first)
            assert terminate_backends(admin_db, waiting_only=True) == 1
            answer = pending.result(timeout=30)

        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "database_unavailable"
        assert answer.headers["Retry-After"] == "2"
        assert books(fault) == before  # nothing half written

        retried = push_over_http(client, till.credential, body)
        again = push_over_http(client, till.credential, body)
        assert_serving(fault, base, till.credential)

    assert retried.status_code == 200, retried.text
    assert [r["status"] for r in retried.json()["results"]] == ["applied"] * 5
    assert again.json() == retried.json()  # the stored answer
    after = books(fault)
    assert (after["sales"], after["ops"], after["batches"]) == (
        before["sales"] + 5,
        before["ops"] + 5,
        before["batches"] + 1,
    )
    assert after["rice"] == before["rice"] - 5
    assert all(check.ok for check in tenant_reconcile(tenant=fault.shop.tenant))


TERMINALS = 4
BATCHES = 4
PER_BATCH = 25


def test_every_backend_terminated_while_terminals_push_loses_and_doubles_nothing(
    fault_shop: Callable[..., FaultShop], admin_db: psycopg.Connection[Any]
) -> None:
    fault = fault_shop(terminals=TERMINALS)
    before = books(fault)
    plans = [
        [fault.sales_batch(t, 1 + b * PER_BATCH, PER_BATCH) for b in range(BATCHES)] for t in range(TERMINALS)
    ]
    failures: list[str] = []
    unavailable: list[int] = []
    final: dict[str, str] = {}

    def terminal(t: int, base: str) -> None:
        credential = fault.tills[t].credential
        with fault.client(base) as client:
            for body in plans[t]:
                for _attempt in range(40):
                    try:
                        response = push_over_http(client, credential, body)
                    except httpx.TransportError as exc:
                        failures.append(f"terminal {t}: {exc!r}")
                        return
                    if response.status_code == 200:
                        final.update({r["op_id"]: r["status"] for r in response.json()["results"]})
                        break
                    if response.status_code == 503 and response.json()["code"] == "database_unavailable":
                        unavailable.append(t)
                        time.sleep(0.2)
                        continue
                    failures.append(f"terminal {t}: {response.status_code} {response.text[:200]}")
                    return
                else:
                    failures.append(f"terminal {t}: a batch never went through")
                    return

    terminated = 0
    with gunicorn(workers=2, threads=4, env=WEB_ENV) as base:
        assert_serving(fault, base, fault.tills[0].credential, requests=4)
        threads = [threading.Thread(target=terminal, args=(t, base)) for t in range(TERMINALS)]
        for thread in threads:
            thread.start()
        # Twice: every backend of the servers, busy or idle, while the uploads run.
        for _ in range(2):
            time.sleep(0.4)
            terminated += terminate_backends(admin_db)
        for thread in threads:
            thread.join(timeout=120)
        assert_serving(fault, base, fault.tills[0].credential)

    assert failures == []
    assert terminated >= 1
    sold = TERMINALS * BATCHES * PER_BATCH
    assert len(final) == sold
    assert set(final.values()) == {"applied"}
    after = books(fault)
    assert (after["sales"], after["ops"]) == (before["sales"] + sold, before["ops"] + sold)
    assert after["rice"] == before["rice"] - Decimal(sold)
    assert all(check.ok for check in tenant_reconcile(tenant=fault.shop.tenant))


READ_ONLY_ROLE = "pos_faults_read_only"


@pytest.fixture
def read_only_role(admin_db: psycopg.Connection[Any]) -> Iterator[str]:
    """A login role like the suite's own whose sessions start read-only (what
    ``ALTER ROLE ... SET default_transaction_read_only = on`` does to a maintenance window or a
    standby promoted late); dropped afterwards. Yields the server's DATABASE_URL for it."""
    password = uuid.uuid4().hex
    admin_db.execute(f'DROP ROLE IF EXISTS "{READ_ONLY_ROLE}"')
    admin_db.execute(f"CREATE ROLE \"{READ_ONLY_ROLE}\" LOGIN SUPERUSER PASSWORD '{password}'")
    admin_db.execute(f'ALTER ROLE "{READ_ONLY_ROLE}" SET default_transaction_read_only = on')
    info = conninfo()
    host = str(info["host"] or "").replace("/", "%2F")
    port = f":{info['port']}" if info.get("port") else ""
    try:
        yield f"postgres://{READ_ONLY_ROLE}:{password}@{host}{port}/{info['dbname']}"
    finally:
        terminate_backends(admin_db)
        admin_db.execute(f'DROP ROLE IF EXISTS "{READ_ONLY_ROLE}"')


def test_a_read_only_database_answers_a_push_503_with_retry_after_and_writes_nothing(
    fault_shop: Callable[..., FaultShop], admin_db: psycopg.Connection[Any], read_only_role: str
) -> None:
    fault = fault_shop(terminals=1)
    till = fault.tills[0]
    body = fault.sales_batch(0, 1, 3)
    before = books(fault)

    with (
        gunicorn(workers=1, threads=2, env={**WEB_ENV, "DATABASE_URL": read_only_role}) as base,
        fault.client(base) as client,
    ):
        refused = push_over_http(client, till.credential, body)
        before_retry = books(fault)
        # The maintenance ends: new sessions may write again.
        admin_db.execute(f'ALTER ROLE "{READ_ONLY_ROLE}" SET default_transaction_read_only = off')
        terminate_backends(admin_db)
        retried = push_over_http(client, till.credential, body)

    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == "database_read_only"
    assert refused.headers["Retry-After"] == "30"
    assert before_retry == before
    assert retried.status_code == 200, retried.text
    assert [r["status"] for r in retried.json()["results"]] == ["applied"] * 3
    assert books(fault)["sales"] == before["sales"] + 3


SMALL_DISK = "pos_faults_small_disk"


def server_owner(admin: psycopg.Connection[Any]) -> tuple[int, int] | None:
    """The system user and group that the test PostgreSQL runs as, when it runs on this host."""
    row = admin.execute("SELECT current_setting('data_directory')").fetchone()
    try:
        found = os.stat(row[0]) if row else None
    except OSError:
        return None
    return (found.st_uid, found.st_gid) if found else None


@pytest.fixture
def small_disk(admin_db: psycopg.Connection[Any]) -> Iterator[str]:
    """A 16 MB tmpfs mounted for the test PostgreSQL, and a tablespace on it; yields the
    tablespace's name. Whatever the test moved there is moved back, then it is unmounted."""
    if os.geteuid() != 0:
        pytest.skip("the disk-full test mounts a small tmpfs, which needs root")
    owner = server_owner(admin_db)
    if owner is None:
        pytest.skip("the disk-full test needs the test PostgreSQL on this host (its data directory)")
    mount = Path(tempfile.mkdtemp(prefix="pos-small-disk-", dir="/tmp"))
    mount.chmod(0o755)  # the server's user reaches it
    uid, gid = owner
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size=16m,mode=0700,uid={uid},gid={gid}", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        mount.rmdir()
        pytest.skip(f"could not mount a tmpfs: {mounted.stderr.strip()}")
    try:
        admin_db.execute(f"DROP TABLESPACE IF EXISTS {SMALL_DISK}")
        admin_db.execute(f"CREATE TABLESPACE {SMALL_DISK} LOCATION '{mount}'")
        yield SMALL_DISK
    finally:
        try:
            tablespace_empty(admin_db, SMALL_DISK)
        finally:
            subprocess.run(["umount", str(mount)], check=True)
            mount.rmdir()


def tablespace_empty(admin: psycopg.Connection[Any], tablespace: str) -> None:
    """Move what the test put in ``tablespace`` back to the default one, and drop it."""
    admin.execute(f"DROP TABLE IF EXISTS public.{tablespace}_filler")
    moved = admin.execute(
        "SELECT c.relkind, c.oid::regclass::text FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_tablespace t ON t.oid = c.reltablespace "
        "WHERE t.spcname = %s AND c.relkind IN ('r', 'i') AND n.nspname <> 'pg_toast' "
        "ORDER BY c.relkind DESC",  # a table takes its TOAST table and index along
        [tablespace],
    ).fetchall()
    for kind, name in moved:
        admin.execute(f"ALTER {'TABLE' if kind == 'r' else 'INDEX'} {name} SET TABLESPACE pg_default")
    admin.execute(f"DROP TABLESPACE IF EXISTS {tablespace}")


def move_to_tablespace(admin: psycopg.Connection[Any], *, schema: str, prefix: str, tablespace: str) -> int:
    """Move the tables of ``schema`` named ``prefix...`` and their indexes; answers how many."""
    tables = admin.execute(
        "SELECT c.oid, c.oid::regclass::text FROM pg_class c "
        "JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'r' AND c.relname LIKE %s",
        [schema, prefix.replace("_", "\\_") + "%"],
    ).fetchall()
    for oid, name in tables:
        admin.execute(f"ALTER TABLE {name} SET TABLESPACE {tablespace}")
        for (index,) in admin.execute(
            "SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid = %s", [oid]
        ).fetchall():
            admin.execute(f"ALTER INDEX {index} SET TABLESPACE {tablespace}")
    return len(tables)


def fill(admin: psycopg.Connection[Any], tablespace: str) -> None:
    """Write into ``tablespace`` until its disk is full (PostgreSQL keeps the pages it extended
    a table by, even when the statement that wanted them failed)."""
    admin.execute(f"CREATE TABLE public.{tablespace}_filler (x text) TABLESPACE {tablespace}")
    with pytest.raises(psycopg.errors.DiskFull):
        admin.execute(
            f"INSERT INTO public.{tablespace}_filler "
            "SELECT repeat(md5(i::text), 30) FROM generate_series(1, 1000000) AS i"
        )


def test_a_full_disk_answers_a_push_503_with_retry_after_writes_nothing_and_the_retry_applies_once(
    fault_shop: Callable[..., FaultShop], admin_db: psycopg.Connection[Any], small_disk: str
) -> None:
    fault = fault_shop(terminals=1)
    till = fault.tills[0]
    body = fault.sales_batch(0, 1, 4)
    schema = fault.shop.tenant.schema_name
    # The sales live on the small disk; the batch and its ops are claimed on the big one first, so
    # the push meets the full disk in the middle of its transaction.
    assert move_to_tablespace(admin_db, schema=schema, prefix="sales_", tablespace=small_disk) >= 3
    fill(admin_db, small_disk)
    before = books(fault)

    with gunicorn(workers=1, threads=2, env=WEB_ENV) as base, fault.client(base) as client:
        refused = push_over_http(client, till.credential, body)
        refused_again = push_over_http(client, till.credential, body)
        before_retry = books(fault)
        # Space is freed (the filler dropped: its files go at commit).
        admin_db.execute(f"DROP TABLE public.{small_disk}_filler")
        retried = push_over_http(client, till.credential, body)
        again = push_over_http(client, till.credential, body)
        assert_serving(fault, base, till.credential, requests=2)

    for answer in (refused, refused_again):
        assert answer.status_code == 503, answer.text
        assert answer.json()["code"] == "database_full"
        assert answer.headers["Retry-After"] == "60"
    assert before_retry == before  # nothing half written: no batch, no op, no sale, no movement
    assert retried.status_code == 200, retried.text
    assert [r["status"] for r in retried.json()["results"]] == ["applied"] * 4
    assert again.json() == retried.json()  # the stored answer
    after = books(fault)
    assert (after["sales"], after["ops"], after["batches"]) == (
        before["sales"] + 4,
        before["ops"] + 4,
        before["batches"] + 1,
    )
    assert after["rice"] == before["rice"] - 4
    assert all(check.ok for check in tenant_reconcile(tenant=fault.shop.tenant))


def test_a_full_disk_is_told_from_other_errors(live_db: None) -> None:
    # PostgreSQL's own error with SQLSTATE 53100 (disk_full), as a full tablespace raises it.
    with pytest.raises(DatabaseError, match="no space") as raised, connection.cursor() as cursor:
        cursor.execute("DO $$ BEGIN RAISE EXCEPTION 'no space' USING ERRCODE = 'disk_full'; END $$")
    assert database_fault(raised.value) == DATABASE_FULL
    with pytest.raises(DatabaseError, match="division by zero") as other, connection.cursor() as cursor:
        cursor.execute("SELECT 1 / 0")
    assert database_fault(other.value) is None


def test_a_lock_or_statement_timeout_is_a_busy_database(live_db: None) -> None:
    # The production roles' lock_timeout and statement_timeout (deploy/) end a statement with
    # SQLSTATE 55P03 or 57014: answered 503 with Retry-After, never 500.
    for errcode in ("lock_not_available", "query_canceled"):
        with pytest.raises(DatabaseError, match="too slow") as raised, connection.cursor() as cursor:
            cursor.execute(f"DO $$ BEGIN RAISE EXCEPTION 'too slow' USING ERRCODE = '{errcode}'; END $$")
        assert database_fault(raised.value) == DATABASE_BUSY
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '10ms'")
        with pytest.raises(DatabaseError) as real:
            cursor.execute("SELECT pg_sleep(1)")
        cursor.execute("RESET statement_timeout")
    assert database_fault(real.value) == DATABASE_BUSY
