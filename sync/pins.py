"""Cashiers' PINs: set by the person online, reset by an admin; terminals get only the verifier.

A terminal signs cashiers in offline, so it must hold something to check a PIN against. It holds
``PBKDF2-HMAC-SHA256(pin, salt, iterations)`` (WebCrypto computes the same on the device), with a
salt of the person's own and ``POS_PIN_ITERATIONS`` rounds, so that a stolen device costs that
many rounds per guess and one guess never serves two people. The PIN itself is never stored.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.services import audit_record
from pos_platform.kernel.throttle import Limit, throttle_fail, throttle_wait
from shared_apps.accounts.errors import MemberNotFound, RoleAboveOwn
from shared_apps.accounts.models import Membership
from shared_apps.accounts.permissions import role_at_most
from sync.errors import PinInvalid, PinThrottled
from sync.models import CashierPin

ALGORITHM = "pbkdf2_sha256"
_PIN = re.compile(r"^[0-9]{4,8}$")
# Setting PINs is cheap to ask for and costly to compute: a few per person per window.
PIN_SET_LIMIT = Limit("pin_set", limit=10, window_seconds=600)


def pin_verifier(pin: str, *, salt: bytes, iterations: int) -> str:
    """base64 of the 32-byte PBKDF2-HMAC-SHA256 of ``pin``."""
    return base64.b64encode(hashlib.pbkdf2_hmac("sha256", pin.encode(), salt, iterations, dklen=32)).decode()


def pin_as_json(pin: CashierPin | None) -> dict[str, Any] | None:
    """What the pull sends of a PIN (None: no PIN set)."""
    if pin is None or not pin.verifier:
        return None
    return {"algorithm": ALGORITHM, "iterations": pin.iterations, "salt": pin.salt, "verifier": pin.verifier}


def _check_pin(pin: str) -> None:
    if not isinstance(pin, str) or not _PIN.match(pin):
        raise PinInvalid(details={"field": "pin"})


def _throttle(user_id: uuid.UUID) -> None:
    key = str(user_id)
    wait = throttle_wait(PIN_SET_LIMIT, key)
    if wait is not None:
        raise PinThrottled(details={"retry_after": wait})
    throttle_fail(PIN_SET_LIMIT, key)


def _store(*, user_id: uuid.UUID, pin: str | None, by: uuid.UUID | None) -> CashierPin:
    salt = secrets.token_bytes(16)
    iterations = settings.POS_PIN_ITERATIONS
    values = {
        "salt": base64.b64encode(salt).decode() if pin else "",
        "iterations": iterations if pin else 0,
        "verifier": pin_verifier(pin, salt=salt, iterations=iterations) if pin else "",
        "set_at": timezone.now(),
        "set_by": by,
    }
    row, _ = CashierPin.objects.update_or_create(user_id=user_id, defaults=values)
    return row


@transaction.atomic
def cashier_pin_set(*, membership: Membership, pin: str, actor: Actor) -> CashierPin:
    """A person sets their own PIN at this shop (signed in online)."""
    _check_pin(pin)
    _throttle(membership.user_id)
    row = _store(user_id=membership.user_id, pin=pin, by=membership.user_id)
    audit_record(
        action="cashier.pin_set",
        actor=actor,
        object_type="membership",
        object_id=membership.pk,
        storefront_id=membership.storefront_id,
    )
    return row


@transaction.atomic
def cashier_pin_reset(
    *, actor_membership: Membership, membership_id: uuid.UUID, pin: str | None, actor: Actor
) -> CashierPin:
    """An admin gives a staff member a new PIN, or (``pin`` None) clears it: the terminals then
    refuse that person until they set one. Nobody resets the PIN of a role above their own, and
    a manager limited to a storefront only their storefront's staff."""
    target = Membership.objects.filter(pk=membership_id, tenant_id=actor_membership.tenant_id).first()
    if target is None or (
        actor_membership.storefront_id is not None and target.storefront_id != actor_membership.storefront_id
    ):
        raise MemberNotFound()
    if not role_at_most(target.role, actor_membership.role):
        raise RoleAboveOwn(details={"member_role": target.role, "your_role": actor_membership.role})
    if pin is not None:
        _check_pin(pin)
    _throttle(actor_membership.user_id)
    row = _store(user_id=target.user_id, pin=pin, by=actor_membership.user_id)
    audit_record(
        action="cashier.pin_reset",
        actor=actor,
        object_type="membership",
        object_id=target.pk,
        storefront_id=target.storefront_id,
        details={"cleared": pin is None},
    )
    return row


def pin_of(user_id: uuid.UUID) -> CashierPin | None:
    """The person's PIN row at this shop when a PIN is set (None: never set, or cleared)."""
    return CashierPin.objects.filter(user_id=user_id).exclude(verifier="").first()


def pins_of(user_ids: list[uuid.UUID]) -> dict[uuid.UUID, CashierPin]:
    return {p.user_id: p for p in CashierPin.objects.filter(user_id__in=user_ids)}
