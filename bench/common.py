"""Shared set-up for the benchmarks: a throwaway database on the configured (or embedded) server.

Each benchmark runs against its own database, created fresh and dropped at the end, so that it
neither reads nor pollutes the development data.
"""

from __future__ import annotations

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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))


def _admin_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres", scheme="postgresql"))


@contextmanager
def bench_database(name: str) -> Iterator[str]:
    """Create database ``name`` (dropping a leftover one), point Django at it, drop it after
    (kept with ``BENCH_KEEP_DB=1``, to read the seeded data's query plans afterwards)."""
    import psycopg

    from pos_platform import embedded

    base = os.environ.get("DATABASE_URL") or embedded.postgres_url()
    parts = urlsplit(base)
    url = urlunsplit(parts._replace(path=f"/{name}"))
    admin = psycopg.connect(_admin_url(base), autocommit=True)
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.execute(f'CREATE DATABASE "{name}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pos_platform.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only-not-a-secret")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
    try:
        yield url
    finally:
        from django.db import connections

        connections.close_all()
        if os.environ.get("BENCH_KEEP_DB") != "1":
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


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


def _wait_until_serving(server: subprocess.Popen[bytes], port: int, seconds: float = 20.0) -> None:
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
