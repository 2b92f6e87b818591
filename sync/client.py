"""A reference terminal client: what a point-of-sale app does to sync with the server.

It keeps an offline queue of operations in SQLite (survives restarts), pushes them in batches when
it can (gzip, retries with exponential backoff and jitter, a batch re-sent after a lost response
keeps its batch_id so the server answers it from its stored response, a 413 splits the batch),
and pulls the catalog with the cursor, keeping a local replica. The tests, the benchmark and the
``make run`` demo drive it; client authors can read it next to ``docs/sync-protocol.md``.

The network is a *transport*: :class:`HttpTransport` speaks real HTTP (httpx); tests may pass any
callable with the same signature.
"""

from __future__ import annotations

import gzip
import json
import random
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


Transport = Callable[[str, str, dict[str, str], bytes | None], Reply]


class HttpTransport:
    """Real HTTP to ``base_url`` (e.g. ``http://127.0.0.1:8000``), with the tenant's ``host``."""

    def __init__(self, base_url: str, host: str | None = None, timeout: float = 30.0) -> None:
        self.host = host
        self.client = httpx.Client(base_url=base_url, timeout=timeout)

    def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        if self.host:
            headers = {**headers, "Host": self.host}
        response = self.client.request(method, path, headers=headers, content=body)
        try:
            payload = response.json()
        except ValueError:
            payload = {"code": "not_json", "message": response.text[:200]}
        return Reply(status=response.status_code, body=payload, headers=dict(response.headers))

    def close(self) -> None:
        self.client.close()


class Offline(Exception):
    """The server could not be reached (or kept failing); the queue is kept for later."""


class Revoked(Exception):
    """The server revoked this terminal: it must be paired again."""


_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY, op_id TEXT NOT NULL UNIQUE, op TEXT NOT NULL,
    batch_id TEXT, state TEXT NOT NULL DEFAULT 'queued', result TEXT
);
CREATE TABLE IF NOT EXISTS replica (kind TEXT NOT NULL, id TEXT NOT NULL, object TEXT NOT NULL,
                                    PRIMARY KEY (kind, id));
"""


class TerminalClient:
    def __init__(
        self,
        transport: Transport,
        *,
        db_path: str | Path = ":memory:",
        batch_size: int = 200,
        max_attempts: int = 6,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.transport = transport
        self.db = sqlite3.connect(str(db_path), isolation_level=None)
        self.db.executescript(_SCHEMA)
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.backoff_base, self.backoff_cap = backoff_base, backoff_cap
        self.sleep = sleep
        self.rng = rng or random.Random()

    # -- state ---------------------------------------------------------------------------------

    def _get(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def _set(self, key: str, value: str | None) -> None:
        if value is None:
            self.db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self.db.execute(
                "INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    @property
    def credential(self) -> str | None:
        return self._get("credential")

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", "Accept-Encoding": "gzip"}
        if self.credential:
            headers["Authorization"] = f"Bearer {self.credential}"
        return headers

    # -- pairing ------------------------------------------------------------------------------

    def pair(
        self, code: str, *, device_name: str = "reference client", app_version: str = "1.0"
    ) -> dict[str, Any]:
        body = json.dumps({"code": code, "device_name": device_name, "app_version": app_version}).encode()
        reply = self.transport("POST", "/api/v1/sync/pair", {"Content-Type": "application/json"}, body)
        if reply.status != 201:
            raise RuntimeError(f"pairing failed: {reply.status} {reply.body}")
        for key in ("credential", "terminal_code", "storefront_code", "terminal_id", "storefront_id"):
            self._set(key, str(reply.body[key]))
        return reply.body

    def use_credential(self, *, credential: str, terminal_code: str, storefront_code: str) -> None:
        """Adopt a credential obtained elsewhere (a device provisioned by an admin tool)."""
        self._set("credential", credential)
        self._set("terminal_code", terminal_code)
        self._set("storefront_code", storefront_code)

    # -- the offline queue --------------------------------------------------------------------

    def next_receipt_number(self) -> str:
        """``<storefront>-<terminal>-<counter>``: unique without asking the server."""
        counter = int(self._get("receipt_counter", "0") or 0) + 1
        self._set("receipt_counter", str(counter))
        return f"{self._get('storefront_code')}-{self._get('terminal_code')}-{counter:06d}"

    def enqueue(
        self,
        kind: str,
        data: dict[str, Any],
        *,
        occurred_at: datetime | None = None,
        op_id: uuid.UUID | None = None,
    ) -> dict[str, Any]:
        """Record an operation locally; it is uploaded by the next :meth:`push`."""
        seq = int(self._get("seq", "0") or 0) + 1
        self._set("seq", str(seq))
        op = {
            "op_id": str(op_id or uuid.uuid4()),
            "kind": kind,
            "seq": seq,
            "occurred_at": (occurred_at or datetime.now(UTC)).isoformat(),
            "data": data,
        }
        self.db.execute(
            "INSERT INTO queue (seq, op_id, op) VALUES (?, ?, ?)", (seq, op["op_id"], json.dumps(op))
        )
        return op

    def pending(self) -> list[dict[str, Any]]:
        return [
            json.loads(r[0])
            for r in self.db.execute("SELECT op FROM queue WHERE state IN ('queued', 'sent') ORDER BY seq")
        ]

    def results(self) -> dict[str, dict[str, Any]]:
        """The server's answer for every op it answered, by op_id."""
        return {
            r[0]: json.loads(r[1])
            for r in self.db.execute("SELECT op_id, result FROM queue WHERE result IS NOT NULL")
        }

    # -- push ---------------------------------------------------------------------------------

    def push(self) -> int:
        """Upload everything queued. Returns the number of ops answered; raises Offline if the
        server cannot be reached after the retries (the queue is kept)."""
        answered = 0
        while True:
            batch = self._next_batch()
            if batch is None:
                return answered
            answered += self._send(batch)

    def _next_batch(self) -> tuple[str, list[dict[str, Any]]] | None:
        # A batch that was sent but not answered is sent again as it was: same id, same ops.
        row = self.db.execute(
            "SELECT batch_id FROM queue WHERE state = 'sent' ORDER BY seq LIMIT 1"
        ).fetchone()
        if row is None:
            rows = self.db.execute(
                "SELECT seq FROM queue WHERE state = 'queued' ORDER BY seq LIMIT ?", (self.batch_size,)
            ).fetchall()
            if not rows:
                return None
            batch_id = str(uuid.uuid4())
            self.db.execute(
                f"UPDATE queue SET state = 'sent', batch_id = ? WHERE seq IN ({','.join('?' * len(rows))})",  # noqa: S608
                (batch_id, *[r[0] for r in rows]),
            )
        else:
            batch_id = row[0]
        ops = [
            json.loads(r[0])
            for r in self.db.execute("SELECT op FROM queue WHERE batch_id = ? ORDER BY seq", (batch_id,))
        ]
        return batch_id, ops

    def _send(self, batch: tuple[str, list[dict[str, Any]]]) -> int:
        batch_id, ops = batch
        body = gzip.compress(
            json.dumps(
                {
                    "batch_id": batch_id,
                    "terminal_time": datetime.now(UTC).isoformat(),
                    "ops": ops,
                },
                separators=(",", ":"),
            ).encode()
        )
        headers = {**self._headers(), "Content-Type": "application/json", "Content-Encoding": "gzip"}
        for attempt in range(self.max_attempts):
            try:
                reply = self.transport("POST", "/api/v1/sync/push", headers, body)
            except (httpx.TransportError, ConnectionError, TimeoutError):
                reply = None
            if reply is not None and reply.status == 200:
                return self._record(reply.body["results"])
            if reply is not None and reply.status == 413 and len(ops) > 1:
                half = len(ops) // 2
                self._rebatch([ops[:half], ops[half:]])
                return 0
            if reply is not None and reply.status == 422 and reply.body.get("code") == "batch_id_reused":
                # The server knows this batch_id for other ops (a device restored from a backup,
                # say): the same ops under a new batch_id; those applied come back as duplicates.
                self._rebatch([ops])
                return 0
            if reply is not None and reply.status == 401:
                if reply.body.get("code") == "terminal_revoked":
                    raise Revoked(reply.body.get("message", "revoked"))
                raise RuntimeError(f"push refused: {reply.body}")
            if reply is not None and 400 <= reply.status < 500 and reply.status != 429:
                # The server will never accept this batch as it is: a bug in this client.
                raise RuntimeError(f"push refused: {reply.status} {reply.body}")
            self.sleep(self._backoff(attempt, reply))
        raise Offline(f"batch {batch_id} not answered after {self.max_attempts} attempts")

    def _backoff(self, attempt: int, reply: Reply | None) -> float:
        if reply is not None and reply.status == 429:
            retry_after = reply.headers.get("retry-after") or reply.headers.get("Retry-After")
            if retry_after and retry_after.isdigit():
                return float(retry_after)
        return self.rng.uniform(0, min(self.backoff_cap, self.backoff_base * 2**attempt))

    def _rebatch(self, parts: list[list[dict[str, Any]]]) -> None:
        """Give each part of a batch's ops a new batch_id (sent next, as they are)."""
        for part in parts:
            new_id = str(uuid.uuid4())
            seqs = [op["seq"] for op in part]
            self.db.execute(
                f"UPDATE queue SET batch_id = ? WHERE seq IN ({','.join('?' * len(seqs))})",  # noqa: S608
                (new_id, *seqs),
            )

    def _record(self, results: Iterable[dict[str, Any]]) -> int:
        # Every status is an answer: applied, duplicate and pending are done, rejected is kept
        # for the user to see (docs/sync-protocol.md, rule 8); none is sent again.
        rows = [(json.dumps(result), result["op_id"]) for result in results]
        self.db.executemany("UPDATE queue SET state = 'answered', result = ? WHERE op_id = ?", rows)
        return len(rows)

    # -- pull ---------------------------------------------------------------------------------

    def pull(self, *, limit: int = 500) -> int:
        """Bring the local replica up to date. Returns the number of pages read."""
        pages = 0
        while True:
            cursor = self._get("cursor")
            path = f"/api/v1/sync/pull?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
            reply = self.transport("GET", path, self._headers(), None)
            if reply.status == 400 and reply.body.get("code") == "cursor_invalid":
                self.db.execute("DELETE FROM replica")
                self._set("cursor", None)
                continue
            if reply.status == 401 and reply.body.get("code") == "terminal_revoked":
                raise Revoked(reply.body.get("message", "revoked"))
            if reply.status != 200:
                raise Offline(f"pull failed: {reply.status} {reply.body}")
            pages += 1
            for kind, objects in reply.body["changes"].items():
                self.db.executemany(
                    "INSERT INTO replica VALUES (?, ?, ?) ON CONFLICT(kind, id) DO "
                    "UPDATE SET object = excluded.object",
                    [(kind, o["id"], json.dumps(o)) for o in objects],
                )
            for kind, ids in reply.body["deleted"].items():
                self.db.executemany("DELETE FROM replica WHERE kind = ? AND id = ?", [(kind, i) for i in ids])
            self._set("cursor", reply.body["cursor"])
            if not reply.body["has_more"]:
                return pages

    def replica(self, kind: str) -> dict[str, dict[str, Any]]:
        return {
            r[0]: json.loads(r[1])
            for r in self.db.execute("SELECT id, object FROM replica WHERE kind = ?", (kind,))
        }
