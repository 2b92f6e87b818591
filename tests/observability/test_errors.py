"""Error reporting: with SENTRY_DSN set, an error logged by a process reaches the Sentry server
(a local HTTP receiver stands in for it), without personal data; without it, nothing is sent."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.deploy.conftest import production_env
from tests.production_server import BASE_DIR

_PROGRAM = """
import logging
import django
django.setup()
import sentry_sdk
from django.conf import settings
print("enabled", settings.POS_SENTRY_ENABLED)
logging.getLogger("pos.payments").error("payment provider unreachable for owner@example.com")
sentry_sdk.flush(timeout=10)
"""


class _Receiver(BaseHTTPRequestHandler):
    bodies: list[bytes]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        type(self).bodies.append(body)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[int, list[bytes]]]:
    bodies: list[bytes] = []
    handler = type("Receiver", (_Receiver,), {"bodies": bodies})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], bodies
    finally:
        server.shutdown()
        server.server_close()


def _run(**env: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _PROGRAM],
        env=production_env(**env),
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_an_error_is_reported_when_a_dsn_is_set(receiver: tuple[int, list[bytes]]) -> None:
    port, bodies = receiver
    out = _run(SENTRY_DSN=f"http://publickey@127.0.0.1:{port}/42", SENTRY_ENVIRONMENT="staging")
    assert "enabled True" in out
    events = [
        json.loads(line)
        for body in bodies
        for line in body.splitlines()
        if line.startswith(b"{") and b'"level"' in line
    ]
    assert len(events) == 1
    event = events[0]
    assert event["level"] == "error"
    assert event["environment"] == "staging"
    assert event["logger"] == "pos.payments"
    assert "payment provider unreachable" in json.dumps(event)
    # No personal data is attached by the SDK itself (no user, no server name's users).
    assert "user" not in event


def test_nothing_is_sent_without_a_dsn(receiver: tuple[int, list[bytes]]) -> None:
    _port, bodies = receiver
    out = _run()
    assert "enabled False" in out
    assert bodies == []
