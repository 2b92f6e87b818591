"""Two-factor authentication with django-otp: a TOTP authenticator and ten backup codes.

* Enrollment: :func:`mfa_totp_begin` makes an unconfirmed TOTP device (secret, ``otpauth://`` URI,
  QR code); :func:`mfa_totp_confirm` confirms it with its first valid code. Re-enrolling (a new
  phone) needs a fresh code, and the old device stays in force until the new one is confirmed.
* Backup codes are a django-otp ``StaticDevice`` whose tokens hold a digest of each code, never the
  code: the 16-character codes carry 80 random bits, so an unsalted SHA-256 cannot be reversed.
  Each verifies once (django-otp deletes the token it matched).
* Every code goes through :func:`django_otp.verify_token` (device row locked, a TOTP step never
  accepted twice), under django-otp's per-device back-off and the Redis throttle of
  :mod:`shared_apps.accounts.throttling`.

Verification is deliberately not wrapped in an outer transaction: a failed attempt must leave its
trace (device back-off, audit event) even though the caller then raises.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

import segno
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_otp import verify_token
from django_otp.models import Device, VerifyNotAllowed
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pos_platform.kernel.errors import Throttled
from shared_apps.accounts.auditing import account_audit, failure_record
from shared_apps.accounts.errors import MfaCodeInvalid, MfaCodeRequired, MfaNotEnrolled, MfaSetupNotStarted
from shared_apps.accounts.models import ApiToken, User
from shared_apps.accounts.throttling import OTP, FailureThrottle

BACKUP_CODE_COUNT = 10
TOTP_DEVICE_NAME = "authenticator"
BACKUP_DEVICE_NAME = "backup codes"

_SEPARATORS = re.compile(r"[\s-]+")


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def backup_device(user: User) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, confirmed=True).order_by("-id").first()


def mfa_enrolled(user: User) -> bool:
    """Enrolled means a confirmed authenticator; backup codes alone do not count."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def user_has_otp_device(user: User) -> bool:
    """Any confirmed device: such a user is asked for a code at sign-in."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or StaticToken.objects.filter(device__user=user, device__confirmed=True).exists()
    )


def backup_code_digest(code: str) -> str:
    """What is stored for a backup code: 80 bits of its SHA-256, base32 (fits django-otp's column)."""
    normalised = _SEPARATORS.sub("", code).lower()
    digest = hashlib.sha256(normalised.encode()).digest()
    return base64.b32encode(digest[:10]).decode().lower()


def _backup_code_new() -> str:
    raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def _backup_codes_replace(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [_backup_code_new() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=backup_code_digest(c)) for c in codes)
    return codes


def backup_codes_remaining(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


# --------------------------------------------------------------------------------------------
# Verification
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedCode:
    device: Device
    kind: Literal["totp", "backup"]


def _device_throttled(device: Device) -> None:
    allowed, info = device.verify_is_allowed()
    if allowed or not info or info.get("reason") != VerifyNotAllowed.N_FAILED_ATTEMPTS:
        return
    until: datetime = info["locked_until"]
    wait = max(1, int((until - timezone.now()).total_seconds() + 0.999))
    raise Throttled(
        gettext_noop("Too many wrong codes; wait before trying again."), details={"retry_after": wait}
    )


def _code_failed(*, user: User, ip: str | None, reason: str) -> MfaCodeInvalid:
    failure_record(
        FailureThrottle(OTP),
        "auth.mfa_failed",
        account=str(user.pk),
        ip=ip,
        step="otp",
        actor=user,
        details={"reason": reason},
    )
    return MfaCodeInvalid()


def mfa_code_verify(*, user: User, code: str, ip: str | None = None) -> VerifiedCode:
    """Check a fresh authenticator code or an unused backup code of the user.

    Raises ``MfaCodeInvalid`` (counted by the throttle and audited) or ``Throttled``.
    """
    throttle = FailureThrottle(OTP)
    throttle.check(account=str(user.pk), ip=ip)
    compact = _SEPARATORS.sub("", code or "")
    device: Device | None
    kind: Literal["totp", "backup"]
    if compact.isdigit():
        device, token, kind = totp_device(user), compact, "totp"
    else:
        device, token, kind = backup_device(user), backup_code_digest(compact), "backup"
    if device is None or not compact:
        raise _code_failed(user=user, ip=ip, reason="no_device" if compact else "empty")
    _device_throttled(device)
    verified = verify_token(user, device.persistent_id, token)
    if verified is None:
        raise _code_failed(user=user, ip=ip, reason=f"{kind}_mismatch")
    throttle.succeed(account=str(user.pk))
    if kind == "backup":
        account_audit(
            "mfa.backup_code_used",
            actor=user,
            ip=ip,
            details={"remaining": backup_codes_remaining(user)},
        )
    return VerifiedCode(device=verified, kind=kind)


# --------------------------------------------------------------------------------------------
# Enrollment, backup codes, disabling
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TotpSetup:
    device: TOTPDevice
    # Base32, as authenticator apps take it when typed in by hand.
    secret: str
    otpauth_uri: str
    # An SVG QR code of the URI, as a data: URI for an <img>.
    qr_svg: str


def totp_setup_of(device: TOTPDevice) -> TotpSetup:
    uri = device.config_url
    return TotpSetup(
        device=device,
        secret=base64.b32encode(device.bin_key).decode(),
        otpauth_uri=uri,
        qr_svg=segno.make(uri, error="m").svg_data_uri(scale=5, border=2),
    )


def mfa_totp_begin(*, user: User, code: str | None = None, ip: str | None = None) -> TotpSetup:
    """Start (or restart) authenticator set-up; an enrolled user must prove a fresh code."""
    if mfa_enrolled(user):
        if not code:
            raise MfaCodeRequired()
        mfa_code_verify(user=user, code=code, ip=ip)
    return mfa_totp_begin_trusted(user=user)


def mfa_totp_pending(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()


@dataclass(frozen=True)
class MfaEnrolled:
    device: TOTPDevice
    # New backup codes, shown once; None when the user already had some (a re-enrollment).
    backup_codes: list[str] | None


def mfa_totp_confirm(
    *, user: User, code: str, ip: str | None = None, keep_token: ApiToken | None = None
) -> MfaEnrolled:
    """Confirm the pending authenticator with its first code; it replaces any previous one.

    On a first enrollment (no confirmed authenticator before) every API token the person holds,
    at every shop, dies except ``keep_token`` (the one making the request): those tokens were
    issued without MFA and would otherwise become full tokens now. Their portal sessions need
    no revoking: a session that has not passed the OTP step authenticates nothing once the
    person has an authenticator (``OTPSessionAuthentication``, the portal's OTP gate); the one
    that enrolled is marked verified by its caller."""
    throttle = FailureThrottle(OTP)
    throttle.check(account=str(user.pk), ip=ip)
    pending = mfa_totp_pending(user)
    if pending is None:
        raise MfaSetupNotStarted()
    compact = _SEPARATORS.sub("", code or "")
    _device_throttled(pending)
    verified = verify_token(user, pending.persistent_id, compact) if compact.isdigit() else None
    if verified is None:
        raise _code_failed(user=user, ip=ip, reason="enrollment_mismatch")
    throttle.succeed(account=str(user.pk))
    with transaction.atomic():
        replaced = TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=pending.pk).delete()[0]
        TOTPDevice.objects.filter(pk=pending.pk).update(confirmed=True)
        codes = None if backup_codes_remaining(user) else _backup_codes_replace(user)
        revoked = 0 if replaced else _tokens_before_mfa_revoke(user=user, keep_token=keep_token)
        account_audit(
            "mfa.enrolled",
            actor=user,
            ip=ip,
            object_type="user",
            object_id=user.pk,
            details={
                "replaced_device": bool(replaced),
                "backup_codes_issued": codes is not None,
                "tokens_revoked": revoked,
            },
        )
    pending.refresh_from_db()
    return MfaEnrolled(device=pending, backup_codes=codes)


def _tokens_before_mfa_revoke(*, user: User, keep_token: ApiToken | None) -> int:
    now = timezone.now()
    live = ApiToken.objects.filter(user=user, revoked_at__isnull=True, expires_at__gt=now)
    if keep_token is not None:
        live = live.exclude(pk=keep_token.pk)
    return live.update(revoked_at=now)


def mfa_backup_codes_regenerate(*, user: User, code: str, ip: str | None = None) -> list[str]:
    """Ten new backup codes (the old ones stop working), after a fresh code."""
    if not mfa_enrolled(user):
        raise MfaNotEnrolled()
    mfa_code_verify(user=user, code=code, ip=ip)
    with transaction.atomic():
        codes = _backup_codes_replace(user)
        account_audit(
            "mfa.backup_codes_regenerated", actor=user, ip=ip, object_type="user", object_id=user.pk
        )
    return codes


def mfa_disable(*, user: User, code: str, ip: str | None = None) -> None:
    """Remove the authenticator and backup codes, after a fresh code. Owners and admins are then
    held at enrollment until they set up a new authenticator."""
    if not user_has_otp_device(user):
        raise MfaNotEnrolled()
    mfa_code_verify(user=user, code=code, ip=ip)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        account_audit("mfa.disabled", actor=user, ip=ip, object_type="user", object_id=user.pk)


def mfa_totp_begin_trusted(*, user: User) -> TotpSetup:
    """Start authenticator set-up without a code from the current one (platform CLI: an operator
    replacing a lost authenticator). The new one only counts once confirmed by its first code; the
    current one keeps working until then."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return totp_setup_of(device)


def mfa_totp_pending_discard(*, user: User) -> None:
    """Drop an authenticator set-up that was not confirmed (its secret stops being usable)."""
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()


def mfa_backup_codes_reissue(*, user: User) -> list[str]:
    """Ten new backup codes without a code (platform CLI, after a confirmed enrollment)."""
    with transaction.atomic():
        return _backup_codes_replace(user)


def mfa_enroll_confirmed(*, user: User) -> tuple[TotpSetup, list[str]]:
    """Enroll directly, trusting the caller (platform CLI): a confirmed authenticator and fresh
    backup codes, replacing any previous ones."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
        codes = _backup_codes_replace(user)
    return totp_setup_of(device), codes


# --------------------------------------------------------------------------------------------
# Recovery: someone else removes a person's authenticator
# --------------------------------------------------------------------------------------------


def mfa_devices_remove(*, user: User) -> bool:
    """Remove the person's authenticator and backup codes (in the caller's transaction); True if
    they had any. Their MFA-verified sessions stop being verified at once (django-otp checks the
    device on every request); owners and admins are held at enrollment until they set up again."""
    removed = (
        TOTPDevice.objects.filter(user=user).delete()[0] + StaticDevice.objects.filter(user=user).delete()[0]
    )
    return bool(removed)
