"""The embedded PostgreSQL and Redis: started on demand, shared, stopped by the last user."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import redis
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)

HOLDER = """
import sys
from pos_platform import embedded
print(embedded.postgres_url(), embedded.redis_url(), flush=True)
sys.stdin.readline()
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["POS_DATA_DIR"] = str(data_dir)
    return env


def _pg_up(url: str) -> bool:
    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://"), connect_timeout=2) as conn:
            return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.OperationalError:
        return False


def _redis_up(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def test_servers_start_on_demand_are_shared_and_stop_with_the_last_user(tmp_path: Path) -> None:
    env = _env(tmp_path)
    first = subprocess.Popen(
        [sys.executable, "-c", HOLDER],
        cwd=BASE_DIR,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout is not None
        pg_url, redis_url = first.stdout.readline().split()
        assert _pg_up(pg_url)
        assert _redis_up(redis_url)
        assert (tmp_path / "postgres" / "data" / "PG_VERSION").exists()

        # A second process attaches to the same servers and leaves them running when it exits.
        second = subprocess.run(
            [sys.executable, "-c", HOLDER],
            cwd=BASE_DIR,
            env=env,
            input="\n",
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        assert second.stdout.split() == [pg_url, redis_url]
        assert _pg_up(pg_url)
        assert _redis_up(redis_url)
    finally:
        assert first.stdin is not None
        first.stdin.write("\n")
        first.stdin.flush()
        first.wait(timeout=60)

    deadline = time.monotonic() + 20
    while (_pg_up(pg_url) or _redis_up(redis_url)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _pg_up(pg_url)
    assert not _redis_up(redis_url)
