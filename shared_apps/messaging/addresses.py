"""Addresses messages go to: phone numbers in E.164 (``phonenumbers``) and e-mail addresses."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from shared_apps.messaging.errors import EmailInvalid, PhoneInvalid

# Longer than any real number or address: such input is refused before it is parsed.
_PHONE_MAX = 40
_EMAIL_MAX = 254


def phone_normalise(raw: object, *, region: str | None = None) -> str:
    """``raw`` as an E.164 number (``+233241234567``), or ``PhoneInvalid``.

    A number without ``+`` is read as a national number of ``region`` (ISO 3166 alpha-2, the
    shop's country); without a region it must carry its country code. Only numbers that
    ``phonenumbers`` holds valid for their country are accepted."""
    if not isinstance(raw, str) or not raw.strip() or len(raw) > _PHONE_MAX:
        raise PhoneInvalid(details={"phone": raw if isinstance(raw, str) else None})
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, None if text.startswith("+") else (region or None))
    except phonenumbers.NumberParseException as exc:
        raise PhoneInvalid(details={"phone": text}) from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneInvalid(details={"phone": text})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email_normalise(raw: object) -> str:
    """``raw`` trimmed and lower-cased, or ``EmailInvalid``."""
    if not isinstance(raw, str) or len(raw) > _EMAIL_MAX:
        raise EmailInvalid(details={"email": None})
    text = raw.strip().lower()
    try:
        validate_email(text)
    except ValidationError as exc:
        raise EmailInvalid(details={"email": text}) from exc
    return text


def phone_masked(e164: str) -> str:
    """For logs and lists: ``+233******567``."""
    return e164[:4] + "*" * max(len(e164) - 7, 0) + e164[-3:] if len(e164) > 7 else "***"
