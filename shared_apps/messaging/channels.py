"""Sending one message: e-mail through Django's e-mail backends (SMTP by default, a provider
through django-anymail, chosen by ``EMAIL_BACKEND``), SMS and WhatsApp through the provider named
by ``POS_SMS_BACKEND`` (Africa's Talking's official SDK, or the console for development).

A sender answers :class:`Accepted` or raises :class:`TemporaryFailure` (retried later: the
network, a 4xx SMTP answer, a provider's 5xx) or :class:`PermanentFailure` (never retried: an
address the server refuses for good).
"""

from __future__ import annotations

import hashlib
import json
import logging
import smtplib
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outgoing:
    key: str
    channel: str
    to: str
    subject: str
    body: str
    html: str


@dataclass(frozen=True)
class Accepted:
    provider: str
    provider_message_id: str


class TemporaryFailure(Exception):
    """Try again later."""


class PermanentFailure(Exception):
    """Never try again: the provider refuses this message for good."""


def send(message: Outgoing) -> Accepted:
    if message.channel == "email":
        return send_email(message)
    provider = sms_provider()
    if message.channel == "sms":
        return provider.send_sms(to=message.to, text=message.body)
    return provider.send_whatsapp(to=message.to, text=message.body)


# --------------------------------------------------------------------------------------------
# E-mail
# --------------------------------------------------------------------------------------------


def message_id_of(key: str) -> str:
    """A Message-ID derived from the outbox key: every attempt of one message carries the same,
    so a copy sent again after a crash is recognisable as the same message."""
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{settings.POS_BASE_DOMAIN}>"


def send_email(message: Outgoing) -> Accepted:
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"Message-ID": message_id_of(message.key)},
    )
    if message.html:
        mail.attach_alternative(message.html, "text/html")
    try:
        get_connection(fail_silently=False).send_messages([mail])
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        text = "; ".join(f"{code} {reason!r}" for code, reason in exc.recipients.values())
        if codes and all(code >= 500 for code in codes):
            raise PermanentFailure(f"refused: {text}") from exc
        raise TemporaryFailure(f"deferred: {text}") from exc
    except smtplib.SMTPResponseException as exc:
        text = f"{exc.smtp_code} {exc.smtp_error!r}"
        if exc.smtp_code >= 500:
            raise PermanentFailure(text) from exc
        raise TemporaryFailure(text) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
    except Exception as exc:
        _anymail_failure(exc)
        raise
    status = getattr(mail, "anymail_status", None)
    if status is not None and getattr(status, "message_id", None):
        return Accepted(
            provider=str(getattr(status, "esp_name", "") or "anymail"),
            provider_message_id=str(status.message_id),
        )
    return Accepted(provider="smtp", provider_message_id=message_id_of(message.key))


def _anymail_failure(exc: Exception) -> None:
    """django-anymail's errors: a refused recipient or a 4xx request is permanent, the rest not."""
    try:
        from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
    except ImportError:  # pragma: no cover - a dependency
        return
    if isinstance(exc, AnymailRecipientsRefused):
        raise PermanentFailure(str(exc)) from exc
    if isinstance(exc, AnymailAPIError):
        code = getattr(exc, "status_code", None) or 0
        if code in (400, 422):
            raise PermanentFailure(str(exc)) from exc
        raise TemporaryFailure(str(exc)) from exc


# --------------------------------------------------------------------------------------------
# SMS and WhatsApp
# --------------------------------------------------------------------------------------------


class SmsProvider(Protocol):
    name: str

    def send_sms(self, *, to: str, text: str) -> Accepted: ...

    def send_whatsapp(self, *, to: str, text: str) -> Accepted: ...


@lru_cache(maxsize=4)
def _provider(path: str) -> SmsProvider:
    provider: SmsProvider = import_string(path)()
    return provider


def sms_provider() -> SmsProvider:
    return _provider(settings.POS_SMS_BACKEND)


class ConsoleSms:
    """Development: the message is logged, never sent."""

    name = "console"

    def send_sms(self, *, to: str, text: str) -> Accepted:
        logger.info("SMS to %s: %s", to, text)
        return Accepted(provider=self.name, provider_message_id=f"console-{uuid.uuid4()}")

    def send_whatsapp(self, *, to: str, text: str) -> Accepted:
        logger.info("WhatsApp to %s: %s", to, text)
        return Accepted(provider=self.name, provider_message_id=f"console-{uuid.uuid4()}")


# Africa's Talking's per-recipient status codes (SMS API reference): accepted, and refused for good.
_AT_ACCEPTED = {100, 101, 102}
_AT_PERMANENT = {402, 403, 404, 406, 407, 409}
_AT_TIMEOUT = (5.05, 20.05)


class AfricasTalking:
    """SMS and WhatsApp through Africa's Talking's official SDK (``africastalking``).

    ``POS_AT_API_URL`` / ``POS_AT_CHAT_URL`` override the SDK's hosts (a regional endpoint, or
    the tests' local server answering as the documented API does); the SDK builds and sends the
    requests and reads the answers."""

    name = "africastalking"

    def _service(self, kind: str) -> Any:
        from africastalking.SMS import SMSService
        from africastalking.Whatsapp import WhatsappService

        username, key = settings.POS_AT_USERNAME, settings.POS_AT_API_KEY
        if not username or not key:
            raise TemporaryFailure("Africa's Talking is not configured (POS_AT_USERNAME, POS_AT_API_KEY).")
        if kind == "sms":
            service = SMSService(username, key)
            if settings.POS_AT_API_URL:
                service._baseUrl = settings.POS_AT_API_URL.rstrip("/")
        else:
            service = WhatsappService(username, key)
            if settings.POS_AT_CHAT_URL:
                service._baseUrl = settings.POS_AT_CHAT_URL.rstrip("/")
        return service

    def _call(self, call: Any) -> Any:
        import requests
        from africastalking.Service import AfricasTalkingException

        try:
            answer = call()
        except ValueError as exc:  # the SDK's own check of the number
            raise PermanentFailure(str(exc)) from exc
        except AfricasTalkingException as exc:  # any non-2xx answer
            raise TemporaryFailure(f"provider answered: {str(exc)[:300]}") from exc
        except requests.RequestException as exc:
            raise TemporaryFailure(f"{type(exc).__name__}: {exc}") from exc
        if isinstance(answer, str):
            try:
                answer = json.loads(answer)
            except ValueError as exc:
                raise TemporaryFailure(f"unreadable answer: {answer[:200]!r}") from exc
        return answer

    def send_sms(self, *, to: str, text: str) -> Accepted:
        service = self._service("sms")
        answer = self._call(
            lambda: service.send(text, [to], sender_id=settings.POS_AT_SENDER_ID or None, timeout=_AT_TIMEOUT)
        )
        recipients = (
            (answer.get("SMSMessageData") or {}).get("Recipients") or [] if isinstance(answer, dict) else []
        )
        if not recipients:
            message = (
                (answer.get("SMSMessageData") or {}).get("Message", "") if isinstance(answer, dict) else ""
            )
            raise TemporaryFailure(f"no recipient in the answer: {message!r}")
        first = recipients[0]
        code = int(first.get("statusCode") or 0)
        if code in _AT_ACCEPTED:
            return Accepted(provider=self.name, provider_message_id=str(first.get("messageId") or ""))
        reason = f"{code} {first.get('status', '')}".strip()
        if code in _AT_PERMANENT:
            raise PermanentFailure(reason)
        raise TemporaryFailure(reason)

    def send_whatsapp(self, *, to: str, text: str) -> Accepted:
        if not settings.POS_AT_WHATSAPP_NUMBER:
            raise TemporaryFailure("No WhatsApp business number is configured (POS_AT_WHATSAPP_NUMBER).")
        service = self._service("whatsapp")
        answer = self._call(
            lambda: service.send(
                {"message": text},
                settings.POS_AT_WHATSAPP_NUMBER,
                to,
                timeout=_AT_TIMEOUT,
            )
        )
        data = (
            answer.get("data")
            if isinstance(answer, dict) and isinstance(answer.get("data"), dict)
            else answer
        )
        ident = ""
        if isinstance(data, dict):
            ident = str(data.get("messageId") or data.get("id") or "")
            status = str(data.get("status") or "").lower()
            if status in ("failed", "rejected"):
                raise PermanentFailure(str(data.get("message") or data.get("errorMessage") or status))
        return Accepted(provider=f"{self.name}-whatsapp", provider_message_id=ident)
