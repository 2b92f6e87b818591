"""Terminals: creation by an admin, one-time pairing codes, credentials, revocation.

A pairing code is short (8 characters of an unambiguous alphabet), expires after
``POS_PAIRING_CODE_SECONDS``, is single use and only its keyed digest is stored. Pairing turns it
into a credential (``ptk_<prefix>_<secret>``), returned once and stored as a SHA-256 digest.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from rest_framework import authentication
from rest_framework.request import Request

from pos_platform.db import connection
from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.services import audit_record
from pos_platform.kernel.errors import ValidationFailed
from pos_platform.kernel.throttle import Limit, throttle_fail, throttle_wait
from sync.errors import (
    PairingCodeInvalid,
    PairingThrottled,
    TerminalCodeTaken,
    TerminalCredentialInvalid,
    TerminalNotFound,
    TerminalRevoked,
    TerminalStateInvalid,
)
from sync.models import Terminal
from tenant_apps.storefronts.errors import StorefrontNotFound
from tenant_apps.storefronts.models import Storefront

CREDENTIAL_PREFIX = "ptk_"
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed on a phone
_CODE = re.compile(r"^[A-Z0-9]{1,8}$")


def _pairing_digest(code: str) -> str:
    normalised = code.strip().upper().replace("-", "").replace(" ", "")
    key = f"{settings.SECRET_KEY}:pairing:{connection.schema_name}".encode()
    return hmac.new(key, normalised.encode(), hashlib.sha256).hexdigest()


def credential_digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@dataclass(frozen=True)
class PairingCode:
    terminal: Terminal
    # Shown once to the admin, e.g. "K7PQ-M2XD".
    code: str
    expires_at: datetime


def _new_pairing(terminal: Terminal) -> PairingCode:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    expires_at = timezone.now() + timedelta(seconds=settings.POS_PAIRING_CODE_SECONDS)
    terminal.pairing_digest = _pairing_digest(raw)
    terminal.pairing_expires_at = expires_at
    terminal.save(update_fields=["pairing_digest", "pairing_expires_at"])
    return PairingCode(terminal=terminal, code=f"{raw[:4]}-{raw[4:]}", expires_at=expires_at)


def _audit(terminal: Terminal, action: str, actor: Actor, details: dict[str, str] | None = None) -> None:
    audit_record(
        action=action,
        actor=actor,
        object_type="terminal",
        object_id=terminal.pk,
        storefront_id=terminal.storefront_id,
        details=details,
    )


@transaction.atomic
def terminal_create(*, storefront_id: uuid.UUID, code: str, name: str, actor: Actor) -> PairingCode:
    """A new terminal of a storefront, awaiting pairing; returns its first pairing code."""
    code = code.strip().upper()
    if not _CODE.match(code):
        raise ValidationFailed(
            gettext_noop("A terminal code is 1 to 8 capital letters or digits."),
            code="terminal_code_invalid",
            details={"code": code},
        )
    storefront = Storefront.objects.filter(pk=storefront_id).first()
    if storefront is None:
        raise StorefrontNotFound(details={"storefront_id": str(storefront_id)})
    try:
        with transaction.atomic():
            terminal = Terminal.objects.create(
                storefront=storefront, code=code, name=name.strip(), created_by=actor.user_id
            )
    except IntegrityError as exc:
        raise TerminalCodeTaken(details={"code": code}) from exc
    _audit(terminal, "terminal.create", actor, {"code": code, "name": terminal.name})
    return _new_pairing(terminal)


def _locked(terminal_id: uuid.UUID) -> Terminal:
    terminal = Terminal.objects.select_for_update().filter(pk=terminal_id).first()
    if terminal is None:
        raise TerminalNotFound()
    return terminal


@transaction.atomic
def terminal_pairing_renew(*, terminal_id: uuid.UUID, actor: Actor) -> PairingCode:
    """A new pairing code for a terminal not paired yet (the previous code stops working)."""
    terminal = _locked(terminal_id)
    if terminal.status != Terminal.Status.PENDING:
        raise TerminalStateInvalid(
            gettext_noop(
                "Only a terminal awaiting pairing gets a new code; create a new terminal to replace a "
                "paired or revoked one."
            )
        )
    _audit(terminal, "terminal.pairing_renewed", actor)
    return _new_pairing(terminal)


@dataclass(frozen=True)
class Paired:
    terminal: Terminal
    # Shown once to the device.
    credential: str


def _throttles(client_ip: str | None) -> list[tuple[Limit, str]]:
    window = settings.POS_PAIRING_WINDOW_SECONDS
    schema = connection.schema_name
    return [
        (
            Limit("sync.pair.ip", settings.POS_PAIRING_ATTEMPTS_PER_IP, window),
            f"{schema}:{client_ip or 'unknown'}",
        ),
        (Limit("sync.pair.tenant", settings.POS_PAIRING_ATTEMPTS_PER_TENANT, window), schema),
    ]


@transaction.atomic
def terminal_pair(
    *, code: str, client_ip: str | None, device_name: str = "", app_version: str = ""
) -> Paired:
    """Exchange a pairing code for a terminal credential."""
    # Failed attempts are limited per client address and per shop, so that codes cannot be
    # guessed; once a limit is reached, even a right code waits for the window to pass.
    throttles = _throttles(client_ip)
    for limit, key in throttles:
        wait = throttle_wait(limit, key)
        if wait is not None:
            raise PairingThrottled(details={"retry_after": wait})
    terminal = Terminal.objects.select_for_update().filter(pairing_digest=_pairing_digest(code)).first()
    now = timezone.now()
    if (
        terminal is None
        or terminal.status != Terminal.Status.PENDING
        or terminal.pairing_expires_at is None
        or terminal.pairing_expires_at <= now
    ):
        for limit, key in throttles:
            throttle_fail(limit, key)
        raise PairingCodeInvalid()
    public = secrets.token_hex(4)
    raw = f"{CREDENTIAL_PREFIX}{public}_{secrets.token_urlsafe(32)}"
    terminal.status = Terminal.Status.ACTIVE
    terminal.pairing_digest = None
    terminal.pairing_expires_at = None
    terminal.credential_prefix = f"{CREDENTIAL_PREFIX}{public}"
    terminal.credential_digest = credential_digest(raw)
    terminal.paired_at = now
    terminal.last_seen_at = now
    terminal.device_name = device_name[:120]
    terminal.app_version = app_version[:40]
    terminal.save()
    _audit(
        terminal,
        "terminal.paired",
        Actor(user_id=None, label=f"terminal:{terminal.code}", terminal_id=terminal.pk, ip=client_ip),
        {"device_name": terminal.device_name, "app_version": terminal.app_version},
    )
    return Paired(terminal=terminal, credential=raw)


@transaction.atomic
def terminal_revoke(*, terminal_id: uuid.UUID, actor: Actor, reason: str = "") -> Terminal:
    """Revoke a terminal: its credential gets 401 terminal_revoked from now on."""
    terminal = _locked(terminal_id)
    if terminal.status == Terminal.Status.REVOKED:
        raise TerminalStateInvalid(gettext_noop("This terminal is already revoked."))
    terminal.status = Terminal.Status.REVOKED
    terminal.revoked_at = timezone.now()
    terminal.revoked_by = actor.user_id
    terminal.pairing_digest = None
    terminal.pairing_expires_at = None
    terminal.save(
        update_fields=["status", "revoked_at", "revoked_by", "pairing_digest", "pairing_expires_at"]
    )
    _audit(terminal, "terminal.revoked", actor, {"reason": reason})
    return terminal


class TerminalPrincipal:
    """``request.user`` for a request made with a terminal credential."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    pk = None

    def __init__(self, terminal: Terminal) -> None:
        self.terminal = terminal

    def __str__(self) -> str:
        return f"terminal:{self.terminal.code}"


class TerminalAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer ptk_…``; the credential is looked up in this shop's schema only,
    so another shop's credential is simply unknown here."""

    def authenticate(self, request: Request) -> tuple[TerminalPrincipal, Terminal] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None
        if len(header) != 2:
            raise TerminalCredentialInvalid()
        try:
            raw = header[1].decode()
        except UnicodeError as exc:
            raise TerminalCredentialInvalid() from exc
        if not raw.startswith(CREDENTIAL_PREFIX):
            raise TerminalCredentialInvalid()
        terminal = Terminal.objects.filter(credential_digest=credential_digest(raw)).first()
        if terminal is None:
            raise TerminalCredentialInvalid()
        if terminal.status == Terminal.Status.REVOKED:
            raise TerminalRevoked()
        return TerminalPrincipal(terminal), terminal

    def authenticate_header(self, request: Request) -> str:
        return "Bearer"
