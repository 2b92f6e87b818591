"""Metrics as Prometheus scrapes them: the web tier's (gunicorn, two workers summed by the master on
its own port), the worker's task outcomes, and beat's view of the platform."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.utils import timezone
from django_tenants.utils import tenant_context
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from pos_platform.celery import app
from pos_platform.tasks import tenant_probe
from shared_apps.messaging.models import Message
from shared_apps.messaging.services import message_queue
from shared_apps.tenants.services import TenantCreated
from sync.models import Terminal
from tests.conftest import host_of, member_make, stock_shop
from tests.production_server import BASE_DIR, database_url, free_port, gunicorn
from tests.sync import ops
from tests.sync.conftest import pair_terminal

pytestmark = pytest.mark.slow


def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def call(base: str, host: str, method: str, path: str, *, token: str | None = None, body: Any = None) -> Any:
    headers = {"Host": host, "Content-Type": "application/json", "X-Request-ID": f"req-{time.time_ns()}"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310
        base + path,
        data=json.dumps(body).encode() if body is not None else None,
        method=method,
        headers=headers,
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, response.headers, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, None


@pytest.fixture
def metrics_dir() -> Iterator[Path]:
    folder = Path(tempfile.mkdtemp(prefix="pos-metrics-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def test_web_metrics_and_json_logs_over_gunicorn(
    committed_tenant: Callable[..., TenantCreated], metrics_dir: Path, tmp_path: Path
) -> None:
    tenant = committed_tenant().tenant
    shop = stock_shop(tenant, member_make)
    admin = member_make(tenant, "admin")
    terminal = pair_terminal(tenant, shop.storefront)
    batch = {
        "batch_id": "00000000-0000-4000-8000-000000000001",
        "terminal_time": timezone.now().isoformat(),
        "ops": [
            ops.sale(1, cashier=shop.cashier, lines=[(shop.products["water"], "2")]),
            ops.sale(2, cashier=shop.cashier, lines=[(shop.products["rice"], "150")]),  # oversold
        ],
    }
    port = free_port()
    log_path = tmp_path / "server.log"
    host = host_of(tenant.slug)
    with (
        log_path.open("wb") as log,
        gunicorn(
            database_url=database_url(),
            env={
                "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
                "POS_METRICS_PORT": str(port),
                "POS_METRICS_ADDR": "127.0.0.1",
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "INFO",
            },
            workers=2,
            threads=2,
            output=log,
        ) as base,
    ):
        answers = [call(base, host, "GET", "/api/v1/storefronts", token=admin.token) for _ in range(5)]
        answers += [call(base, host, "GET", "/api/v1/storefronts") for _ in range(3)]
        status, headers, pushed = call(
            base, host, "POST", "/api/v1/sync/push", token=terminal.credential, body=batch
        )
        samples = scrape(port)

    assert [a[0] for a in answers] == [200] * 5 + [401] * 3
    assert status == 200
    assert [r["status"] for r in pushed["results"]] == ["applied", "applied"]
    route = "api/v1/storefronts"
    assert value(samples, "pos_http_requests_total", route=route, method="GET", status="200") == 5
    assert value(samples, "pos_http_requests_total", route=route, method="GET", status="401") == 3
    assert value(samples, "pos_http_request_duration_seconds_count", route=route, method="GET") == 8
    assert (
        value(samples, "pos_http_requests_total", route="api/v1/sync/push", method="POST", status="200") == 1
    )
    assert value(samples, "pos_sync_pushes_total", status="200") == 1
    assert value(samples, "pos_sync_ops_total", status="applied") == 2
    assert value(samples, "pos_sync_conflicts_total", kind="oversold") == 1
    # Requests that never reached a route are one series, not one per path.
    assert not any(name == "pos_http_requests_total" and ("route", "/") in labels for name, labels in samples)

    # One JSON line per request, with its id, the tenant and the user.
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.startswith("{")]
    access = [line for line in lines if line.get("logger") == "pos.request"]
    mine = [line for line in access if line.get("route") == route and line.get("status") == 200]
    assert len(mine) == 5
    assert {line["tenant"] for line in mine} == {tenant.slug}
    assert {line["user"] for line in mine} == {str(admin.user.pk)}
    assert all(line["request_id"].startswith("req-") for line in mine)
    assert headers["X-Request-ID"] in {line["request_id"] for line in access}
    anonymous = [line for line in access if line.get("status") == 401]
    assert len(anonymous) == 3
    assert {line["user"] for line in anonymous} == {None}


def test_worker_counts_task_outcomes(committed_tenant: Callable[..., TenantCreated]) -> None:
    tenant = committed_tenant().tenant
    name = tenant_probe.name

    def count(state: str) -> float:
        return REGISTRY.get_sample_value("pos_celery_tasks_total", {"task": name, "state": state}) or 0.0

    before = count("success"), count("failure")
    with start_worker(app, perform_ping_check=False, shutdown_timeout=30), tenant_context(tenant):
        assert tenant_probe.delay().get(timeout=30)["schema"] == tenant.schema_name
        assert tenant_probe.delay().get(timeout=30)["schema"] == tenant.schema_name
        # Sent by name, past the caller's argument check: the worker runs it and it fails.
        failing = app.send_task(name, args=["unexpected"])
        with pytest.raises(TypeError):
            failing.get(timeout=30)
    assert (count("success"), count("failure")) == (before[0] + 2, before[1] + 1)
    assert (REGISTRY.get_sample_value("pos_celery_task_duration_seconds_count", {"task": name}) or 0) >= 3


def _redis_db(url: str, db: int) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{db}"))


def test_beat_serves_the_platform_gauges(
    committed_tenant: Callable[..., TenantCreated], tmp_path: Path
) -> None:
    tenant = committed_tenant().tenant
    shop = stock_shop(tenant, member_make)
    paired = pair_terminal(tenant, shop.storefront)
    with tenant_context(tenant):
        Terminal.objects.filter(pk=paired.terminal.pk).update(
            last_seen_at=timezone.now() - timedelta(seconds=120)
        )
    # Beat on a broker database of its own: what it sends cannot reach other tests' workers.
    broker = _redis_db(settings.REDIS_URL, 11)
    queue = redis.Redis.from_url(broker)
    queue.delete("pos-metrics-test")
    queue.rpush("pos-metrics-test", "a", "b", "c")
    # A message waiting in the outbox (nothing delivers it: the kick is off, no worker listens).
    waiting = message_queue(
        key=f"metrics-{tenant.slug}",
        kind="password_reset",
        category="security",
        channel="email",
        to=f"owner@{tenant.slug}.test",
        context={"shop_name": tenant.name, "url": "http://x", "minutes": 60},
        tenant_id=tenant.pk,
    )
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "POS_METRICS_PORT": str(port),
        "POS_METRICS_ADDR": "127.0.0.1",
        "POS_METRICS_QUEUES": "celery,pos-metrics-test",
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
    }
    beat = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pos_platform",
            "beat",
            "-l",
            "WARNING",
            "-s",
            str(tmp_path / "s"),
        ],
        env=env,
        cwd=BASE_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                samples = scrape(port)
                break
            except OSError:
                if beat.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(
                        beat.stderr.read().decode() if beat.stderr else "beat failed"
                    ) from None
                time.sleep(0.2)
    finally:
        beat.terminate()
        beat.wait(timeout=30)
        queue.flushdb()
        Message.objects.filter(pk=waiting.pk).delete()
    assert value(samples, "pos_celery_queue_length", queue="pos-metrics-test") == 3
    assert samples.get(("pos_backlog", (("name", "messages"),)), 0.0) >= 1  # "name" is value()'s own
    lag = value(samples, "pos_sync_terminal_lag_seconds", tenant=tenant.slug, terminal="ACC-T1")
    assert 120 <= lag < 600
    assert value(samples, "pos_tenants", status="active") >= 1
