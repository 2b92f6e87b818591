"""Messages rendered from templates, in the recipient's language.

A kind of message is a folder ``templates/messages/<kind>/`` holding ``subject.txt`` and
``email.txt`` (and optionally ``email.html``) for e-mail, and ``sms.txt`` for SMS and WhatsApp.
Templates use Django's i18n tags; the French catalogue is ``shared_apps/messaging/locale``.
Text parts are rendered without HTML escaping; the HTML part with it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from django.conf import settings
from django.template import Context, TemplateDoesNotExist
from django.template.loader import get_template
from django.utils import translation

from shared_apps.messaging.errors import LanguageInvalid

# An SMS of more than three parts costs more than it is worth; longer text is cut.
SMS_MAX_CHARS = 459
_BLANK_LINES = re.compile(r"\n{3,}")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    html: str


def language_of(value: str | None) -> str:
    """One of ``settings.LANGUAGES`` (``fr-CI`` -> ``fr``), or the default language."""
    codes = [code for code, _ in settings.LANGUAGES]
    if not value:
        return settings.LANGUAGE_CODE
    base = value.strip().lower().replace("_", "-").split("-")[0]
    return base if base in codes else settings.LANGUAGE_CODE


def language_check(value: str) -> str:
    codes = [code for code, _ in settings.LANGUAGES]
    if value not in codes:
        raise LanguageInvalid(details={"language": value, "choices": codes})
    return value


def _text(name: str, context: dict[str, Any]) -> str:
    template = get_template(name)
    raw = template.template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]
    return _BLANK_LINES.sub("\n\n", raw.strip()) + "\n"


def render(*, kind: str, channel: str, context: dict[str, Any], language: str) -> Rendered:
    context = {"platform_name": settings.OTP_TOTP_ISSUER, **context}
    with translation.override(language):
        if channel == "email":
            subject = " ".join(_text(f"messages/{kind}/subject.txt", context).split())
            body = _text(f"messages/{kind}/email.txt", context)
            try:
                html = get_template(f"messages/{kind}/email.html").render(context)
            except TemplateDoesNotExist:
                html = ""
            return Rendered(subject=subject[:300], body=body, html=html)
        body = _text(f"messages/{kind}/sms.txt", context).strip()
        if len(body) > SMS_MAX_CHARS:
            body = body[: SMS_MAX_CHARS - 1].rstrip() + "…"
        return Rendered(subject="", body=body, html="")


def money(amount: Decimal | str | None, currency: str, language: str) -> str:
    """An amount as a person of ``language`` reads it: ``GHS 12.50`` / ``12,50 GHS``."""
    if amount is None:
        return ""
    return format_currency(Decimal(str(amount)), currency, locale=language, currency_digits=True)
