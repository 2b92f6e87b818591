"""The far ends of the channels, run by the tests on free local ports: a real SMTP server
(aiosmtpd) that keeps what it receives, and an HTTP server that answers as Africa's Talking's
documented SMS and WhatsApp APIs do, so that the official SDK's own code path is exercised."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message as MimeMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: MimeMessage

    @property
    def text(self) -> str:
        for part in self.message.walk():
            if part.get_content_type() == "text/plain":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode(part.get_content_charset() or "utf-8")
        return ""

    @property
    def html(self) -> str:
        for part in self.message.walk():
            if part.get_content_type() == "text/html":
                payload = part.get_payload(decode=True)
                assert isinstance(payload, bytes)
                return payload.decode(part.get_content_charset() or "utf-8")
        return ""


@dataclass
class SmtpServer:
    """``answers``: SMTP replies to give to the next DATA commands (e.g. ``"451 4.3.0 try later"``)
    before accepting; ``received``: every message accepted."""

    port: int = 0
    received: list[Received] = field(default_factory=list)
    answers: list[str] = field(default_factory=list)
    attempts: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.attempts += 1
        if self.answers:
            return self.answers.pop(0)
        self.received.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                message=email.message_from_bytes(
                    envelope.original_content or envelope.content, policy=email.policy.default
                ),
            )
        )
        return "250 OK"

    def to(self, address: str) -> list[Received]:
        return [r for r in self.received if address in r.rcpt_tos]


def smtp_server() -> Iterator[SmtpServer]:
    handler = SmtpServer(port=free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


# Africa's Talking SMS API: per-recipient status codes and names.
AT_STATUS = {101: "Success", 403: "InvalidPhoneNumber", 405: "InsufficientBalance", 406: "UserInBlacklist"}


@dataclass
class AfricasTalkingServer:
    """Answers ``POST /version1/messaging`` (form: username, to, message, bulkSMSMode, from) and
    ``POST /whatsapp/message/send`` (JSON) as the provider documents them.

    ``http_answers``: HTTP statuses for the next requests (500: the provider failing) before it
    answers normally; ``recipient_codes``: per-recipient status codes for the next accepted
    requests (101 by default)."""

    port: int = 0
    api_key: str = "at-test-key"
    requests: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    http_answers: list[int] = field(default_factory=list)
    recipient_codes: list[int] = field(default_factory=list)
    counter: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def handle(self, path: str, headers: Any, body: bytes) -> tuple[int, dict[str, Any] | str]:
        with self.lock:
            form = (
                json.loads(body or b"{}")
                if headers.get("Content-Type") == "application/json"
                else {k: v[0] for k, v in parse_qs(body.decode()).items()}
            )
            self.requests.append({"path": path, "form": form, "api_key": headers.get("apiKey")})
            if headers.get("apiKey") != self.api_key:
                return 401, "The supplied authentication is invalid"
            if self.http_answers:
                status = self.http_answers.pop(0)
                if status >= 300:
                    return status, "Internal Server Error"
            self.counter += 1
            ident = f"ATXid_{self.counter:06d}"
            if path == "/version1/messaging":
                code = self.recipient_codes.pop(0) if self.recipient_codes else 101
                number = form.get("to", "")
                recipient = {
                    "statusCode": code,
                    "number": number,
                    "status": AT_STATUS.get(code, "Failed"),
                    "cost": "GHS 0.0300" if code == 101 else "0",
                    "messageId": ident if code == 101 else "None",
                }
                if code == 101:
                    self.accepted.append({"id": ident, "to": number, "message": form.get("message", "")})
                sent = 1 if code == 101 else 0
                return 201, {
                    "SMSMessageData": {
                        "Message": f"Sent to {sent}/1 Total Cost: GHS 0.0300",
                        "Recipients": [recipient],
                    }
                }
            if path == "/whatsapp/message/send":
                self.accepted.append(
                    {
                        "id": ident,
                        "to": form.get("phoneNumber"),
                        "message": form.get("body", {}).get("message"),
                    }
                )
                return 201, {"status": "success", "messageId": ident, "description": "Message queued"}
            return 404, "Not found"


def africastalking_server() -> Iterator[AfricasTalkingServer]:
    state = AfricasTalkingServer(port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, answer = state.handle(self.path, self.headers, body)
            data = json.dumps(answer).encode() if isinstance(answer, dict) else answer.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json" if isinstance(answer, dict) else "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", state.port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
