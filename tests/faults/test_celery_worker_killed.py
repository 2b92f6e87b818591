"""A Celery pool process SIGKILLed in the middle of a task: the task was not acknowledged, goes
back to the queue, and the worker's next process runs it to the end, once.

The task is held inside its transaction (the test locks the table it writes), its process is
killed there, and the test sees the task start again in the replacement process before letting it
finish. Messages: tests/messaging/test_worker.py kills a worker right after a send."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import psycopg
import pytest
from django.conf import settings as django_settings
from django.db import connection

from bench.common import children_of
from shared_apps.billing.models import Invoice
from shared_apps.tenants import provisioning
from shared_apps.tenants.models import PooledSchema
from shared_apps.tenants.services import TenantCreated
from shared_apps.tenants.tasks import schema_pool_fill
from tests.billing.test_beat import committed_billing, nightly_world  # noqa: F401 - a fixture
from tests.faults.conftest import conninfo

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("live_db")]

WORKER_APP_NAME = "pos-faults-worker"

T = TypeVar("T")


@pytest.fixture
def celery_worker(live_db: None) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """A prefork worker of one process on a queue of its own, as production runs it."""
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    host = (db["HOST"] or "").replace("/", "%2F")
    port = f":{db['PORT']}" if db["PORT"] else ""
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{host}{port}/{db['NAME']}",
        "REDIS_URL": django_settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
        "CACHE_KEY_PREFIX": django_settings.CACHES["default"]["KEY_PREFIX"],
        "PGAPPNAME": WORKER_APP_NAME,
    }
    command = [sys.executable, "-m", "celery", "-A", "pos_platform", "worker", "--pool=prefork"]
    command += ["--concurrency=1", "-Q", queue, "--without-heartbeat", "--without-gossip"]
    command += ["--without-mingle", "-l", "WARNING"]
    worker = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield worker, queue
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def lock_waiters(admin: psycopg.Connection[Any], table: str) -> set[int]:
    """The backends waiting for a lock on ``table``."""
    rows = admin.execute(
        "SELECT pid FROM pg_locks WHERE relation = %s::regclass AND NOT granted", [table]
    ).fetchall()
    return {int(pid) for (pid,) in rows}


def wait_for(what: Callable[[], Any], seconds: float = 60) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = what()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def kill_mid_task(worker: subprocess.Popen[bytes], table: str, send: Callable[[], T]) -> T:
    """Lock ``table``, send the task, SIGKILL the pool process once the task waits on the lock,
    wait for the task to wait again in the next process, then let it finish."""
    with psycopg.connect(**conninfo(), autocommit=True) as admin, admin.transaction():
        admin.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        sent = send()
        first = wait_for(lambda: lock_waiters(admin, table))
        (process,) = children_of(worker.pid)
        os.kill(process, signal.SIGKILL)
        # Its backend, blocked on the test's lock, would notice the client gone only once the lock
        # is released; PostgreSQL ends it now, as it does at once for a process that dies running.
        for pid in first:
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        # The task came back from the queue and runs again in the process started in its place.
        wait_for(lambda: lock_waiters(admin, table) - first)
        assert children_of(worker.pid) != [process]
    return sent


@pytest.fixture
def empty_pool(live_db: None) -> Iterator[None]:
    def drain() -> None:
        connection.set_schema_to_public()
        for name in PooledSchema.objects.values_list("schema_name", flat=True):
            provisioning.schema_drop(schema_name=name)
        PooledSchema.objects.all().delete()

    drain()
    yield
    drain()


def pool_schemas() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE %s ORDER BY 1",
            [f"{provisioning.POOL_PREFIX}%"],
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.usefixtures("empty_pool")
def test_a_pool_fill_killed_mid_schema_is_run_again_and_builds_the_pool_once(
    celery_worker: tuple[subprocess.Popen[bytes], str],
) -> None:
    worker, queue = celery_worker
    provisioning.snapshot_current()

    kill_mid_task(
        worker,
        "public.tenants_pooledschema",
        lambda: schema_pool_fill.apply_async(queue=queue, headers={"_schema_name": "public"}),
    )

    wait_for(lambda: PooledSchema.objects.count() >= 2)
    # Nothing half built by the killed process, nothing beyond the pool's size.
    assert sorted(PooledSchema.objects.values_list("schema_name", flat=True)) == pool_schemas()
    assert len(pool_schemas()) == 2


@pytest.mark.usefixtures("committed_billing")
def test_invoicing_killed_mid_invoice_is_run_again_and_bills_once(
    celery_worker: tuple[subprocess.Popen[bytes], str],
    committed_tenant: Callable[..., TenantCreated],
    settings: Any,
) -> None:
    from pos_platform.celery import app

    worker, queue = celery_worker
    grows, _owes_long, _owes_a_bit = nightly_world(committed_tenant, settings)
    before = Invoice.objects.count()

    task = kill_mid_task(
        worker,
        "public.billing_invoice",
        lambda: app.send_task("billing.issue_invoices", queue=queue, headers={"_schema_name": "public"}),
    )

    # The run in the next process finishes the job and answers for the task.
    report = task.get(timeout=60)
    invoice = Invoice.objects.get(tenant=grows)
    assert report["issued"] == [invoice.number]
    assert Invoice.objects.count() == before + 1
    assert invoice.storefront_count == 4
