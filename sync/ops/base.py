"""The contract between the push engine and the handler of one operation kind."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Literal, overload

from django.db.models import Model
from rest_framework import serializers

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.errors import ApplicationError
from shared_apps.accounts.history import MemberState
from sync.envelope import OP_ACTIONS, OpIn
from sync.models import Terminal


@dataclass
class BatchState:
    """What the engine loaded once for a whole batch."""

    terminal: Terminal
    received_at: datetime
    tenant: Any
    # (cashier id, effective time) -> the membership then (None: not a member then)
    members: dict[tuple[uuid.UUID, datetime], MemberState | None] = field(default_factory=dict)


@dataclass
class OpContext:
    """Everything a handler may use about the op besides its data."""

    batch: BatchState
    op: OpIn
    # The op's time corrected for the terminal's clock (clamped when absurd).
    effective_at: datetime

    @property
    def terminal(self) -> Terminal:
        return self.batch.terminal

    @property
    def received_at(self) -> datetime:
        return self.batch.received_at


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


@contextmanager
def rejecting() -> Iterator[None]:
    """A service's refusal (an :class:`ApplicationError`) becomes the op's rejection."""
    try:
        yield
    except ApplicationError as exc:
        raise OpRejected(exc.code, exc.message, exc.details) from exc


def cashier_id_of(data: dict[str, Any]) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(data.get("cashier_id")))
    except ValueError:
        return None


def check_cashier(ctx: OpContext, cashier_id: uuid.UUID) -> None:
    """The cashier was a member allowed to do this op, at this storefront, when it happened.

    Unknown, inactive (then), or of another tenant: all the same rejection."""
    state = ctx.batch.members.get((cashier_id, ctx.effective_at))
    action = OP_ACTIONS[ctx.op.kind]
    if state is None or not state.allows(
        action, at=ctx.effective_at, storefront_id=ctx.terminal.storefront_id
    ):
        raise OpRejected(
            "cashier_not_allowed",
            "The cashier was not an active member allowed to do this at this storefront when it happened.",
            {"cashier_id": str(cashier_id), "action": action},
        )


def actor_for(ctx: OpContext, cashier_id: uuid.UUID) -> Actor:
    return Actor(user_id=cashier_id, label=f"terminal:{ctx.terminal.code}", terminal_id=ctx.terminal.pk)


def decimal(value: Any, name: str) -> Decimal:
    """A JSON amount or quantity: a string (preferred) or a number, never a boolean."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise OpRejected("data_invalid", f"{name} must be a decimal number.", {"field": name})
    try:
        result = Decimal(value if type(value) is str else str(value))
    except InvalidOperation as exc:
        raise OpRejected("data_invalid", f"{name} must be a decimal number.", {"field": name}) from exc
    if not result.is_finite():
        raise OpRejected("data_invalid", f"{name} must be a decimal number.", {"field": name})
    return result


# A batch names the same few products and cashiers hundreds of times: their ids are parsed once
# (UUIDs are immutable, so the parsed ones are shared).
_UUIDS: dict[str, uuid.UUID] = {}
_UUIDS_MAX = 4096


@overload
def uuid_of(value: Any, name: str) -> uuid.UUID: ...
@overload
def uuid_of(value: Any, name: str, *, required: Literal[True]) -> uuid.UUID: ...
@overload
def uuid_of(value: Any, name: str, *, required: bool) -> uuid.UUID | None: ...
def uuid_of(value: Any, name: str, *, required: bool = True) -> uuid.UUID | None:
    if value is None and not required:
        return None
    if type(value) is str:
        found = _UUIDS.get(value)
        if found is not None:
            return found
    try:
        parsed = uuid.UUID(str(value))
    except ValueError as exc:
        raise OpRejected("data_invalid", f"{name} must be a UUID.", {"field": name}) from exc
    if type(value) is str:
        if len(_UUIDS) >= _UUIDS_MAX:
            _UUIDS.clear()
        _UUIDS[value] = parsed
    return parsed


class Handler:
    """One op kind: ``validate`` its data, then ``apply`` it. The default ``apply`` is the frame
    of every kind but sales (their cashier is in the parsed sale, and most go set-based): the
    cashier is checked first, a service's refusal becomes the op's rejection, and what
    ``perform`` created is the op's result."""

    kind: ClassVar[str]
    serializer_class: ClassVar[type[serializers.Serializer] | None] = None

    def validate(self, op: OpIn) -> dict[str, Any]:
        if self.serializer_class is None:
            return dict(op.data)
        data = self.serializer_class(data=op.data)
        if not data.is_valid():
            raise OpRejected("data_invalid", "The op's data is not valid; see details.", data.errors)
        return dict(data.validated_data)

    def apply(self, ctx: OpContext, data: dict[str, Any]) -> Outcome:
        check_cashier(ctx, data["cashier_id"])
        with rejecting():
            done = self.perform(ctx, data, actor_for(ctx, data["cashier_id"]))
        return done if isinstance(done, Outcome) else Outcome(status="applied", result_id=done.pk)

    def perform(self, ctx: OpContext, data: dict[str, Any], actor: Actor) -> Model | Outcome:
        """Call the POS service; return what it created (or an Outcome, e.g. pending)."""
        raise NotImplementedError


HANDLERS: dict[str, Handler] = {}


def register(handler_class: type[Handler]) -> type[Handler]:
    HANDLERS[handler_class.kind] = handler_class()
    return handler_class
