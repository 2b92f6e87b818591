"""Celery workers killed in the middle of a task: the task was not acknowledged, goes back to the
queue, and runs to the end once.

Two kills: a pool process SIGKILLed (its worker sees it die, rejects the task and the next process
runs it at once), and a whole worker SIGKILLed with its process group (nothing is left to reject
it: Redis hands the task to the next worker once the visibility timeout has passed). The task is
held inside its transaction (the test locks the table it writes), killed there, and the test sees
it start again before letting it finish. Messages: tests/messaging/test_worker.py kills a worker
right after a send."""

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
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.billing.models import Invoice
from shared_apps.messaging.models import Message
from shared_apps.tenants import provisioning
from shared_apps.tenants.models import PooledSchema
from shared_apps.tenants.services import TenantCreated
from shared_apps.tenants.tasks import schema_pool_fill
from tests.billing.test_beat import committed_billing, nightly_world  # noqa: F401 - a fixture
from tests.faults.conftest import conninfo

pytestmark = [pytest.mark.faults, pytest.mark.usefixtures("live_db")]

WORKER_APP_NAME = "pos-faults-worker"

T = TypeVar("T")


def worker_start(queue: str, **env: str) -> subprocess.Popen[bytes]:
    """A prefork worker of one process on ``queue``, as production runs it, in a process group
    of its own (so that a test can kill it whole)."""
    db = connection.settings_dict
    host = (db["HOST"] or "").replace("/", "%2F")
    port = f":{db['PORT']}" if db["PORT"] else ""
    environ = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{host}{port}/{db['NAME']}",
        "REDIS_URL": django_settings.REDIS_URL,
        "DJANGO_SETTINGS_MODULE": "tests.faults.worker_settings",
        "CACHE_KEY_PREFIX": django_settings.CACHES["default"]["KEY_PREFIX"],
        "PGAPPNAME": WORKER_APP_NAME,
        **env,
    }
    command = [sys.executable, "-m", "celery", "-A", "pos_platform", "worker", "--pool=prefork"]
    command += ["--concurrency=1", "-Q", queue, "--without-heartbeat", "--without-gossip"]
    command += ["--without-mingle", "-l", "WARNING"]
    return subprocess.Popen(
        command, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )


def worker_stop(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


@pytest.fixture
def celery_worker(live_db: None) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    worker = worker_start(queue)
    try:
        yield worker, queue
    finally:
        worker_stop(worker)


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


# The whole-worker tests' workers: a task handed out this many seconds ago and not acknowledged
# goes back to the queue (production: POS_CELERY_VISIBILITY_TIMEOUT, ten minutes).
VISIBILITY_SECONDS = 6


@pytest.fixture
def workers(live_db: None) -> Iterator[list[subprocess.Popen[bytes]]]:
    """The workers a test starts, stopped at its end."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for worker in started:
        worker_stop(worker)


def kill_worker_mid_task(workers: list[subprocess.Popen[bytes]], table: str, send: Callable[[str], T]) -> T:
    """Lock ``table``, send the task (``send(queue)``) to a worker, SIGKILL the worker's whole
    process group once the task waits on the lock, start another worker, wait for the task to
    wait again there, then let it finish."""
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    env = {"POS_CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS)}
    first = worker_start(queue, **env)
    workers.append(first)
    with psycopg.connect(**conninfo(), autocommit=True) as admin, admin.transaction():
        admin.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
        sent = send(queue)
        held = wait_for(lambda: lock_waiters(admin, table))
        os.killpg(first.pid, signal.SIGKILL)
        assert first.wait(timeout=30) == -signal.SIGKILL
        for pid in held:  # as in kill_mid_task: PostgreSQL ends a dead client's backend
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        workers.append(worker_start(queue, **env))
        # Nothing rejected the task: it comes back once its visibility timeout has passed.
        wait_for(lambda: lock_waiters(admin, table) - held, seconds=90)
    return sent


def test_the_visibility_timeout_is_longer_than_any_task_may_run() -> None:
    # A task still running must never be handed to a second worker.
    options = django_settings.CELERY_BROKER_TRANSPORT_OPTIONS
    assert django_settings.CELERY_TASK_SOFT_TIME_LIMIT < django_settings.CELERY_TASK_TIME_LIMIT
    assert options["visibility_timeout"] > django_settings.CELERY_TASK_TIME_LIMIT
    assert options["visibility_timeout"] <= 900  # a dead worker's task runs again within minutes


@pytest.mark.usefixtures("committed_billing")
def test_a_whole_worker_killed_mid_invoicing_leaves_the_task_to_the_next_worker_which_bills_once(
    committed_tenant: Callable[..., TenantCreated], settings: Any, workers: list[subprocess.Popen[bytes]]
) -> None:
    from pos_platform.celery import app

    grows, _owes_long, _owes_a_bit = nightly_world(committed_tenant, settings)
    before = Invoice.objects.count()

    task = kill_worker_mid_task(
        workers,
        "public.billing_invoice",
        lambda queue: app.send_task(
            "billing.issue_invoices", queue=queue, headers={"_schema_name": "public"}
        ),
    )

    report = task.get(timeout=60)
    invoice = Invoice.objects.get(tenant=grows)
    assert report["issued"] == [invoice.number]
    assert Invoice.objects.count() == before + 1


@pytest.mark.usefixtures("committed_billing")
def test_a_whole_worker_killed_mid_dunning_leaves_the_task_to_the_next_worker_which_suspends_once(
    committed_tenant: Callable[..., TenantCreated], settings: Any, workers: list[subprocess.Popen[bytes]]
) -> None:
    from pos_platform.celery import app

    _grows, owes_long, owes_a_bit = nightly_world(committed_tenant, settings)
    slugs = [owes_long.slug, owes_a_bit.slug]
    audit_before = set(PlatformAuditEntry.objects.values_list("pk", flat=True))
    messages_before = set(Message.objects.values_list("pk", flat=True))

    task = kill_worker_mid_task(
        workers,
        "public.billing_subscription",
        lambda queue: app.send_task("billing.run_dunning", queue=queue, headers={"_schema_name": "public"}),
    )

    report = task.get(timeout=60)
    assert report == {"past_due": [owes_a_bit.slug], "suspended": [owes_long.slug]}
    owes_long.refresh_from_db()
    assert (owes_long.status, owes_long.suspension_reason) == ("suspended", "non_payment")
    # One move each (the killed run's transaction rolled back): one audit entry per shop, and
    # each notice to the owners once.
    moves = (
        PlatformAuditEntry.objects.exclude(pk__in=audit_before)
        .filter(tenant_slug__in=slugs, action__startswith="billing.subscription.")
        .order_by("action")
        .values_list("tenant_slug", "action")
    )
    assert list(moves) == [
        (owes_a_bit.slug, "billing.subscription.past_due"),
        (owes_long.slug, "billing.subscription.suspended"),
    ]
    keys = list(Message.objects.exclude(pk__in=messages_before).values_list("key", flat=True))
    assert len(keys) == len(set(keys))


@pytest.mark.usefixtures("empty_pool")
def test_a_whole_worker_killed_mid_pool_fill_leaves_the_task_to_the_next_worker_which_builds_once(
    workers: list[subprocess.Popen[bytes]],
) -> None:
    provisioning.snapshot_current()

    kill_worker_mid_task(
        workers,
        "public.tenants_pooledschema",
        lambda queue: schema_pool_fill.apply_async(queue=queue, headers={"_schema_name": "public"}),
    )

    wait_for(lambda: PooledSchema.objects.count() >= 2)
    assert sorted(PooledSchema.objects.values_list("schema_name", flat=True)) == pool_schemas()
    assert len(pool_schemas()) == 2
