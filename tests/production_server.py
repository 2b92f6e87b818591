"""The production server (gunicorn with ``deploy/gunicorn.conf.py``) started by tests that must
go over real HTTP: on a free loopback port, stopped with its whole process group afterwards."""

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
from typing import IO

from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent


def database_url() -> str:
    """The URL of the database the tests run on (pytest-django's ``test_…`` database)."""
    from urllib.parse import urlsplit, urlunsplit

    from django.db import connection

    parts = urlsplit(settings.DATABASE_URL)
    return urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def gunicorn(
    *,
    database_url: str,
    env: dict[str, str] | None = None,
    workers: int = 2,
    threads: int = 4,
    output: IO[bytes] | None = None,
) -> Iterator[str]:
    """The production server on ``database_url``; yields its base URL (requests carry the
    tenant's host in ``Host``). Stopped, with its whole process group, afterwards."""
    port = free_port()
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DEBUG": "0",
        "GUNICORN_ACCESSLOG": "",
        "LOG_LEVEL": "WARNING",
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
    server = subprocess.Popen(
        command, env=environment, cwd=BASE_DIR, start_new_session=True, stdout=output, stderr=output
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {server.returncode} before serving")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
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
