"""A real PgBouncer (Debian's, 1.18 on Debian 12) in transaction mode in front of a Django
database, on a free loopback port; for the pooling tests and the pooling benchmark."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from django.db import connection


class PgBouncerMissing(RuntimeError):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pgbouncer_binary() -> str | None:
    return shutil.which("pgbouncer", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/usr/local/sbin")


@dataclass
class Bouncer:
    port: int
    database: str
    user: str
    folder: Path
    pool_size: int
    tls: bool
    pid: int = 0

    @property
    def ca_file(self) -> Path:
        return self.folder / "server.crt"

    def url(self, **query: str) -> str:
        """A ``DATABASE_URL`` reaching the test database through this PgBouncer."""
        params = dict(query)
        if self.tls:
            params.setdefault("sslmode", "verify-full")
            params.setdefault("sslrootcert", str(self.ca_file))
        suffix = f"?{urlencode(params)}" if params else ""
        return f"postgres://{quote(self.user)}@127.0.0.1:{self.port}/{self.database}{suffix}"

    def conninfo(self, **extra: Any) -> dict[str, Any]:
        info: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.port,
            "dbname": self.database,
            "user": self.user,
            **extra,
        }
        if self.tls:
            info.update(sslmode="verify-full", sslrootcert=str(self.ca_file))
        return info

    def log(self) -> str:
        path = self.folder / "pgbouncer.log"
        return path.read_text() if path.exists() else ""


def _self_signed(folder: Path) -> None:
    """A certificate for 127.0.0.1, so that clients can verify the pooler (sslmode=verify-full)."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(folder / "server.key"),
            "-out",
            str(folder / "server.crt"),
        ],
        check=True,
        capture_output=True,
    )


@contextmanager
def pgbouncer(
    folder: Path, *, pool_size: int = 2, tls: bool = True, database: dict[str, Any] | None = None
) -> Iterator[Bouncer]:
    """PgBouncer in transaction mode with ``pool_size`` server connections to ``database`` (a
    Django connection's settings; default: the current one), on a free loopback port (TLS for
    its clients when ``tls``). Run as an ordinary user when this process is root."""
    binary = pgbouncer_binary()
    if binary is None:
        raise PgBouncerMissing("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
    db = database or connection.settings_dict
    user = str(db.get("USER") or "postgres")
    folder.mkdir(parents=True, exist_ok=True)
    if tls:
        _self_signed(folder)
    port = free_port()
    server = [f"host={db['HOST'] or '127.0.0.1'}", f"dbname={db['NAME']}", f"user={user}"]
    if db.get("PORT"):
        server.append(f"port={db['PORT']}")
    if db.get("PASSWORD"):
        server.append(f"password={db['PASSWORD']}")
    lines = [
        "[databases]",
        f"{db['NAME']} = {' '.join(server)}",
        "[pgbouncer]",
        "listen_addr = 127.0.0.1",
        f"listen_port = {port}",
        "unix_socket_dir =",
        "auth_type = trust",
        f"auth_file = {folder / 'users.txt'}",
        "pool_mode = transaction",
        f"default_pool_size = {pool_size}",
        f"max_db_connections = {pool_size}",
        "min_pool_size = 0",
        "reserve_pool_size = 0",
        "max_client_conn = 500",
        f"logfile = {folder / 'pgbouncer.log'}",
        f"pidfile = {folder / 'pgbouncer.pid'}",
        f"admin_users = {user}",
        "log_connections = 0",
        "log_disconnections = 0",
    ]
    if tls:
        lines += [
            "client_tls_sslmode = require",
            f"client_tls_key_file = {folder / 'server.key'}",
            f"client_tls_cert_file = {folder / 'server.crt'}",
        ]
    (folder / "pgbouncer.ini").write_text("\n".join(lines) + "\n")
    (folder / "users.txt").write_text(f'"{user}" ""\n')
    command = [binary, str(folder / "pgbouncer.ini")]
    if os.geteuid() == 0:
        # PgBouncer refuses to run as root; it switches to an ordinary user instead: the owner
        # of the server's socket folder (which may be private to it), else postgres or nobody.
        host = str(db["HOST"] or "")
        if host.startswith("/"):
            account = pwd.getpwuid(os.stat(host).st_uid)
        else:
            account = pwd.getpwnam("postgres" if _user_exists("postgres") else "nobody")
        run_as = account.pw_name
        for path in [folder, *folder.iterdir()]:
            os.chown(path, account.pw_uid, account.pw_gid)
        command[1:1] = ["-u", run_as]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    bouncer = Bouncer(
        port=port,
        database=str(db["NAME"]),
        user=user,
        folder=folder,
        pool_size=pool_size,
        tls=tls,
        pid=process.pid,
    )
    try:
        _wait_for_port(process, port, bouncer)
        yield bouncer
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def _user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def _wait_for_port(process: subprocess.Popen[bytes], port: int, bouncer: Bouncer) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode() if process.stdout else ""
            raise RuntimeError(f"pgbouncer exited with {process.returncode}: {output}{bouncer.log()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"pgbouncer did not listen on {port}: {bouncer.log()}")
