"""The contract between the push engine and the handler of one operation kind."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from rest_framework import serializers

from sync.envelope import OpIn
from sync.models import Terminal


@dataclass
class OpContext:
    """Everything a handler may use about the op besides its data."""

    terminal: Terminal
    op: OpIn
    received_at: datetime
    # The op's time corrected for the terminal's clock (clamped when absurd).
    effective_at: datetime
    tenant: Any


@dataclass
class Outcome:
    status: str  # "applied", "rejected" or "pending"
    code: str = ""
    message: str = ""
    result_id: uuid.UUID | None = None
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    details: Any = None
    # For "pending": the op id of the sale this op waits for.
    waits_for: uuid.UUID | None = None

    @classmethod
    def rejected(cls, code: str, message: str, details: Any = None) -> Outcome:
        return cls(status="rejected", code=code, message=message, details=details)


class OpRejected(Exception):
    """Raised by a handler: the op is malformed, unauthorised or inconsistent."""

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


class Handler:
    kind: ClassVar[str]
    serializer_class: ClassVar[type[serializers.Serializer]]

    def validate(self, op: OpIn) -> dict[str, Any]:
        data = self.serializer_class(data=op.data)
        if not data.is_valid():
            raise OpRejected("data_invalid", "The op's data is not valid; see details.", data.errors)
        return dict(data.validated_data)

    def apply(self, ctx: OpContext, data: dict[str, Any]) -> Outcome:
        raise NotImplementedError


HANDLERS: dict[str, Handler] = {}


def register(handler: Handler) -> Handler:
    HANDLERS[handler.kind] = handler
    return handler
