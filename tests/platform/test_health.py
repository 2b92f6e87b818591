"""Liveness and readiness: ``/healthz/live`` answers while the process does; ``/healthz/ready``
needs the database, Redis, and the heartbeats of a real Celery worker and a real Celery beat;
pending migrations are reported without failing either."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from rest_framework.test import APIClient

from pos_platform.heartbeat import heartbeat_record
from shared_apps.tenants.models import Tenant
from tests.conftest import api_client
from tests.live_server import BASE_DIR, database_url

pytestmark = pytest.mark.slow


@contextmanager
def celery_process(*args: str) -> Iterator[subprocess.Popen[bytes]]:
    """``celery -A pos_platform ARGS`` on the test database and cache, heartbeats every second;
    stopped (its process group) afterwards."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "CACHE_KEY_PREFIX": django_settings.CACHES["default"]["KEY_PREFIX"],
        "POS_HEARTBEAT_SECONDS": "1",
        "LOG_LEVEL": "WARNING",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "pos_platform", *args],
        env=env,
        cwd=BASE_DIR,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _ready(client: APIClient) -> tuple[int, dict]:  # type: ignore[type-arg]
    response = client.get("/healthz/ready")
    return response.status_code, response.json()


def _wait_for(client: APIClient, predicate: object, seconds: float = 60) -> dict:  # type: ignore[type-arg]
    deadline = time.monotonic() + seconds
    while True:
        status, body = _ready(client)
        if predicate(status, body):  # type: ignore[operator]
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"readiness never became as expected: {status} {body}")
        time.sleep(0.5)


def test_readiness_follows_real_worker_and_beat_heartbeats(
    live_db: None, tmp_path: object, settings: Any
) -> None:
    client = APIClient(HTTP_HOST="localhost")
    settings.POS_HEARTBEAT_MAX_AGE_SECONDS = 4
    status, body = _ready(client)
    assert status == 503
    assert body["worker"] == {"ok": False, "error": "no heartbeat"}
    assert body["beat"] == {"ok": False, "error": "no heartbeat"}
    assert client.get("/healthz/live").json() == {"status": "ok"}
    # Without background processes the web tier still sells: its serving probe stays 200.
    serving = client.get("/healthz/serving")
    assert serving.status_code == 200
    assert serving.json()["worker"] == {"ok": False, "error": "no heartbeat"}

    queue = f"health-{os.getpid()}"  # a queue of its own: the worker takes no other test's task
    schedule = f"{tmp_path}/beat-schedule"
    with celery_process("worker", "--pool", "solo", "--queues", queue, "--hostname", f"{queue}@test"):
        with celery_process("beat", "--schedule", schedule):
            body = _wait_for(client, lambda s, b: s == 200)
            assert body["status"] == "ok"
            assert body["worker"]["name"] == f"{queue}@test"
            assert body["worker"]["age_seconds"] <= 4
            assert body["beat"]["ok"] is True
            assert body["database"]["ok"] is True
        # Beat stopped: within the maximum age readiness fails on beat alone.
        body = _wait_for(client, lambda s, b: s == 503)
        assert body["beat"]["ok"] is False
        assert body["worker"]["ok"] is True
        assert client.get("/healthz/live").status_code == 200
    body = _wait_for(client, lambda s, b: not b["worker"]["ok"])
    assert body["status"] == "degraded"


def test_pending_migrations_are_reported_without_failing(tenant_a: Tenant) -> None:
    heartbeat_record("worker", "w@test")
    heartbeat_record("beat", "beat@test")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM t_alpha.django_migrations WHERE app = 'storefronts'")
    # As after a release: the schema's stamp is not the current migration state, so it is checked.
    Tenant.objects.filter(pk=tenant_a.pk).update(migration_fingerprint="")

    for path in ("/healthz/ready", "/healthz"):
        response = api_client(None).get(path)
        assert response.status_code == 200, response.json()
        assert response.json()["migrations"] == {"ok": False, "public_pending": False, "tenants_pending": 1}
    assert api_client("alpha").get("/healthz/ready").status_code == 200
