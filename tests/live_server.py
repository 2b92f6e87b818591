"""The production server (gunicorn with ``deploy/gunicorn.conf.py``) on the test database, for
tests that must go over real HTTP to real server processes: concurrency across processes and
the schema fuzzing. It binds a free loopback port and is stopped (its whole process group) after
the test."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.db import connection

BASE_DIR = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The URL of the database the tests run on (pytest-django's ``test_…`` database)."""
    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(*, workers: int = 2, threads: int = 4, env: dict[str, str] | None = None) -> Iterator[str]:
    """Serve the project on the test database; yields the base URL (``http://127.0.0.1:PORT``).
    Requests must carry the tenant's host in a ``Host`` header."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DEBUG": "0",
        "GUNICORN_ACCESSLOG": "",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "60",
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
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
        "--workers",
        str(workers),
        "--threads",
        str(threads),
    ]
    server = subprocess.Popen(command, env=environment, cwd=BASE_DIR, start_new_session=True)
    try:
        _wait_until_serving(server, port)
        yield f"http://127.0.0.1:{port}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)


def _wait_until_serving(server: subprocess.Popen[bytes], port: int, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with status {server.returncode} before serving")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz/live", timeout=2).read()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not answer on port {port} within {seconds:.0f} s")
