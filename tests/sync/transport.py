"""Transports for the reference client in tests: in-process, and with injected faults."""

from __future__ import annotations

import gzip
import json
import random
from typing import Any

from rest_framework.test import APIClient

from sync.client import Reply


class DjangoTransport:
    """The reference client talking to the app in-process, through the full middleware stack."""

    def __init__(self, host: str) -> None:
        self.client = APIClient(HTTP_HOST=host)
        self.calls = 0

    def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        self.calls += 1
        extra = {
            f"HTTP_{k.upper().replace('-', '_')}": v
            for k, v in headers.items()
            if k.lower() != "content-type"
        }
        response = self.client.generic(
            method, path, body or b"", content_type=headers.get("Content-Type", "application/json"), **extra
        )
        content = response.content
        if response.get("Content-Encoding") == "gzip":
            content = gzip.decompress(content)
        payload: dict[str, Any] = json.loads(content) if content else {}
        return Reply(
            status=response.status_code, body=payload, headers={k.lower(): v for k, v in response.items()}
        )


class LossyTransport:
    """Loses requests and responses at random, and sends some requests twice.

    A lost *response* means the server applied the batch but the client never heard back: the
    client must resend the same batch and get the same answer.
    """

    def __init__(
        self,
        inner: DjangoTransport,
        rng: random.Random,
        *,
        lose_request: float = 0.2,
        lose_response: float = 0.3,
        duplicate: float = 0.2,
    ) -> None:
        self.inner, self.rng = inner, rng
        self.lose_request, self.lose_response, self.duplicate = lose_request, lose_response, duplicate

    def __call__(self, method: str, path: str, headers: dict[str, str], body: bytes | None) -> Reply:
        if self.rng.random() < self.lose_request:
            raise ConnectionError("request lost")
        reply = self.inner(method, path, headers, body)
        if self.rng.random() < self.duplicate:
            reply = self.inner(method, path, headers, body)
        if self.rng.random() < self.lose_response:
            raise ConnectionError("response lost")
        return reply
