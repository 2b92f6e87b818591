"""The outbox: queueing a message in the caller's transaction, delivering it, recording what the
provider reports, and the preferences and opt-outs that decide whether and where it goes.

Delivery is driven from the database. ``message_queue`` writes the row and, once the caller's
transaction commits, kicks a Celery task; the beat job ``messaging.sweep`` (every minute) delivers
every due row whether or not a kick got through (the broker may have been down), and rows whose
delivery died mid-way once their lease ends. ``message_deliver`` claims a row with one conditional
``UPDATE`` (committed before anything is sent), so of two deliveries of one message at most one
sends; a delivery run again after the message was recorded as sent does nothing.

The one window left is a process that dies after the provider accepted a message and before
``sent`` is written: the lease expires and the message is sent again (at least once). An e-mail
keeps its ``Message-ID`` across attempts, so mail clients show it once.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from shared_apps.messaging import channels
from shared_apps.messaging.addresses import email_normalise, phone_normalise
from shared_apps.messaging.errors import CategoryInvalid, ChannelInvalid
from shared_apps.messaging.models import (
    Category,
    Channel,
    DeliveryReport,
    Message,
    Preference,
    ShopMessaging,
    Suppression,
)
from shared_apps.messaging.rendering import language_of, render
from shared_apps.messaging.signals import message_sent

logger = logging.getLogger(__name__)

CHANNELS = frozenset(Channel.values)
CATEGORIES = frozenset(Category.values)


def address_normalise(channel: str, address: str, *, region: str | None = None) -> str:
    if channel not in CHANNELS:
        raise ChannelInvalid(details={"channel": channel})
    if channel == Channel.EMAIL:
        return email_normalise(address)
    return phone_normalise(address, region=region)


def is_suppressed(*, channel: str, address: str, category: str) -> bool:
    if category == Category.SECURITY:
        return False
    return Suppression.objects.filter(channel=channel, address=address, category__in=["", category]).exists()


def message_queue(
    *,
    key: str,
    kind: str,
    category: str,
    channel: str,
    to: str,
    context: dict[str, Any],
    language: str | None = None,
    tenant_id: int | None = None,
    user_id: uuid.UUID | None = None,
) -> Message:
    """Write a message to the outbox in the current transaction (rendered now, in ``language``),
    unless one with ``key`` exists already: that one is returned and nothing is written.

    Delivery starts after the transaction commits; a rolled-back transaction sends nothing."""
    if category not in CATEGORIES:
        raise CategoryInvalid(details={"category": category})
    to = address_normalise(channel, to)
    existing = Message.objects.filter(key=key).first()
    if existing is not None:
        return existing
    language = language_of(language)
    rendered = render(kind=kind, channel=channel, context=context, language=language)
    now = timezone.now()
    suppressed = is_suppressed(channel=channel, address=to, category=category)
    message, created = Message.objects.get_or_create(
        key=key[:300],
        defaults={
            "tenant_id": tenant_id,
            "user_id": user_id,
            "kind": kind,
            "category": category,
            "channel": channel,
            "to": to,
            "language": language,
            "subject": rendered.subject,
            "body": rendered.body,
            "html": rendered.html,
            "status": Message.Status.SUPPRESSED if suppressed else Message.Status.QUEUED,
            "next_attempt_at": now,
            "last_error": "the address opted out" if suppressed else "",
        },
    )
    if created and not suppressed:
        transaction.on_commit(partial(_kick, message.pk))
    return message


def _kick(message_id: uuid.UUID) -> None:
    """Ask a worker to deliver now. Best effort: with the broker down the sweep delivers it."""
    if not settings.POS_MESSAGE_KICK:
        return
    from shared_apps.messaging.tasks import deliver

    try:
        # No result is awaited: with the result backend down, subscribing to one would hold the
        # request for as long as Celery retries it.
        deliver.apply_async(
            args=[str(message_id)], headers={"_schema_name": "public"}, retry=False, ignore_result=True
        )
    except Exception:  # the broker is unreachable: the row waits for the sweep
        logger.warning("message %s: could not reach the broker; the sweep will deliver it", message_id)


# --------------------------------------------------------------------------------------------
# Delivery
# --------------------------------------------------------------------------------------------

_CLAIM_SQL = """
UPDATE messaging_message
   SET status = 'sending', lease_until = %s, attempts = attempts + 1
 WHERE id = %s
   AND ((status = 'queued' AND next_attempt_at <= %s) OR (status = 'sending' AND lease_until < %s))
RETURNING key, channel, "to", subject, body, html, attempts
"""


def retry_delay(attempts: int) -> timedelta:
    """After the ``attempts``-th failure: 30 s, 1 min, 2 min, ... up to 6 h, with 20 % jitter."""
    base = settings.POS_MESSAGE_RETRY_SECONDS * (2 ** max(attempts - 1, 0))
    seconds = min(base, 6 * 3600) * random.uniform(0.8, 1.2)
    return timedelta(seconds=seconds)


def message_deliver(*, message_id: uuid.UUID | str) -> str:
    """Send one message if it is due and nobody else is sending it; answers its status after.

    Safe to run any number of times: only the call whose claim succeeds sends."""
    now = timezone.now()
    lease = now + timedelta(seconds=settings.POS_MESSAGE_LEASE_SECONDS)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, [lease, str(message_id), now, now])
        row = cursor.fetchone()
    if row is None:
        current = Message.objects.filter(pk=message_id).values_list("status", flat=True).first()
        return current or "missing"
    key, channel, to, subject, body, html, attempts = row
    outgoing = channels.Outgoing(key=key, channel=channel, to=to, subject=subject, body=body, html=html)
    try:
        accepted = channels.send(outgoing)
    except channels.PermanentFailure as exc:
        _finish(message_id, status=Message.Status.FAILED, error=str(exc), failed=True)
        return Message.Status.FAILED
    except channels.TemporaryFailure as exc:
        return _retry_later(message_id, attempts=attempts, error=str(exc))
    except Exception as exc:  # a bug or an unexpected answer: retried, never lost
        logger.exception("message %s: unexpected error while sending", message_id)
        return _retry_later(message_id, attempts=attempts, error=f"{type(exc).__name__}: {exc}")
    Message.objects.filter(pk=message_id, status=Message.Status.SENDING).update(
        status=Message.Status.SENT,
        sent_at=timezone.now(),
        lease_until=None,
        provider=accepted.provider,
        provider_message_id=accepted.provider_message_id[:200],
        last_error="",
    )
    message_sent.send(sender=Message, message_id=str(message_id), channel=channel)
    return Message.Status.SENT


def _retry_later(message_id: uuid.UUID | str, *, attempts: int, error: str) -> str:
    if attempts >= settings.POS_MESSAGE_MAX_ATTEMPTS:
        _finish(message_id, status=Message.Status.DEAD, error=error, failed=True)
        logger.error("message %s: dead after %s attempts: %s", message_id, attempts, error)
        return Message.Status.DEAD
    Message.objects.filter(pk=message_id, status=Message.Status.SENDING).update(
        status=Message.Status.QUEUED,
        lease_until=None,
        next_attempt_at=timezone.now() + retry_delay(attempts),
        last_error=error[:2000],
    )
    return Message.Status.QUEUED


def _finish(message_id: uuid.UUID | str, *, status: str, error: str, failed: bool) -> None:
    Message.objects.filter(pk=message_id, status=Message.Status.SENDING).update(
        status=status,
        lease_until=None,
        last_error=error[:2000],
        failed_at=timezone.now() if failed else None,
    )


@dataclass
class SweepReport:
    due: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"due": self.due, "outcomes": self.outcomes}


def messages_due(*, limit: int) -> list[uuid.UUID]:
    now = timezone.now()
    return list(
        Message.objects.filter(
            Q(status=Message.Status.QUEUED, next_attempt_at__lte=now)
            | Q(status=Message.Status.SENDING, lease_until__lt=now)
        )
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )


def messages_sweep(*, limit: int = 500, budget_seconds: float = 45.0) -> SweepReport:
    """Deliver every due message (the beat job): queued ones whose time has come, and ones whose
    delivery died mid-way (lease expired). Stops after ``budget_seconds``; the next run goes on."""
    started = time.monotonic()
    report = SweepReport()
    for message_id in messages_due(limit=limit):
        report.due += 1
        status = message_deliver(message_id=message_id)
        report.outcomes[status] = report.outcomes.get(status, 0) + 1
        if time.monotonic() - started > budget_seconds:
            break
    return report


@transaction.atomic
def message_requeue(*, message_id: uuid.UUID | str) -> Message:
    """Send a dead or failed message again (platform staff, after fixing the cause)."""
    message = Message.objects.select_for_update().get(pk=message_id)
    if message.status in (Message.Status.DEAD, Message.Status.FAILED):
        message.status = Message.Status.QUEUED
        message.attempts = 0
        message.next_attempt_at = timezone.now()
        message.save(update_fields=["status", "attempts", "next_attempt_at"])
        transaction.on_commit(partial(_kick, message.pk))
    return message


# --------------------------------------------------------------------------------------------
# Delivery reports
# --------------------------------------------------------------------------------------------

# Africa's Talking's delivery statuses: final success, final failure; others are on the way.
REPORT_DELIVERED = frozenset({"success", "delivered", "read"})
REPORT_FAILED = frozenset({"failed", "rejected", "expired", "absentsubscriber", "undelivered"})


@dataclass(frozen=True)
class ReportOutcome:
    result: str  # "recorded", "duplicate" or "ignored"
    status: str | None = None


def delivery_report_record(
    *,
    providers: tuple[str, ...],
    provider_message_id: str,
    status: str,
    phone: str = "",
    reason: str = "",
    payload: dict[str, Any] | None = None,
) -> ReportOutcome:
    """Record a provider's delivery report of a message it accepted from us.

    It must name a message of ours by the provider's id, and its phone number (when given) must
    be the one we sent to; anything else is ignored. The same report again is a ``duplicate`` and
    changes nothing; a message only moves forward (sent -> delivered or failed)."""
    normalised = status.strip().lower().replace(" ", "")
    with transaction.atomic():
        message = (
            Message.objects.select_for_update()
            .filter(provider__in=providers, provider_message_id=provider_message_id)
            .exclude(provider_message_id="")
            .first()
        )
        if message is None:
            return ReportOutcome("ignored")
        if phone:
            try:
                same = phone_normalise(phone) == message.to
            except Exception:
                same = False
            if not same:
                return ReportOutcome("ignored")
        _, created = DeliveryReport.objects.get_or_create(
            provider=message.provider,
            provider_message_id=provider_message_id,
            status=normalised[:32],
            defaults={"message": message, "reason": reason[:200], "payload": payload or {}},
        )
        if not created:
            return ReportOutcome("duplicate", message.status)
        if message.status in (Message.Status.SENT, Message.Status.SENDING):
            now = timezone.now()
            if normalised in REPORT_DELIVERED:
                message.status, message.delivered_at = Message.Status.DELIVERED, now
                message.save(update_fields=["status", "delivered_at"])
            elif normalised in REPORT_FAILED:
                message.status, message.failed_at = Message.Status.FAILED, now
                message.last_error = f"provider reported {status}" + (f": {reason}" if reason else "")
                message.save(update_fields=["status", "failed_at", "last_error"])
        return ReportOutcome("recorded", message.status)


# --------------------------------------------------------------------------------------------
# Preferences, opt-outs, the shop's settings
# --------------------------------------------------------------------------------------------


def preference_of(*, user_id: uuid.UUID, tenant_id: int | None) -> Preference:
    """The person's preferences at this shop: the shop's own row, else their default, else new
    (one query: both rows read, the shop's first)."""
    rows = Preference.objects.filter(user_id=user_id)
    if tenant_id is None:
        rows = rows.filter(tenant__isnull=True)
    else:
        rows = rows.filter(Q(tenant_id=tenant_id) | Q(tenant__isnull=True))
    found = rows.order_by(F("tenant_id").asc(nulls_last=True)).first()
    return found or Preference(user_id=user_id, tenant_id=None)


@transaction.atomic
def preference_update(
    *,
    user_id: uuid.UUID,
    tenant_id: int | None,
    language: str | None = None,
    phone: str | None = None,
    channel: str | None = None,
    muted: list[str] | None = None,
    region: str | None = None,
) -> Preference:
    """Change the person's preferences at one shop (``tenant_id``) or everywhere (None)."""
    from shared_apps.messaging.rendering import language_check

    current = preference_of(user_id=user_id, tenant_id=tenant_id)
    pref, _ = Preference.objects.get_or_create(
        user_id=user_id,
        tenant_id=tenant_id,  # type: ignore[misc]
        defaults={
            "language": current.language,
            "phone": current.phone,
            "channel": current.channel,
            "muted": list(current.muted),
        },
    )
    if language is not None:
        pref.language = language_check(language) if language else ""
    if phone is not None:
        pref.phone = phone_normalise(phone, region=region) if phone else ""
    if channel is not None:
        if channel not in CHANNELS:
            raise ChannelInvalid(details={"channel": channel})
        pref.channel = channel
    if muted is not None:
        unknown = sorted(set(muted) - CATEGORIES)
        if unknown or Category.SECURITY in muted:
            raise CategoryInvalid(
                gettext_noop("Unknown categories, or security messages (which cannot be muted)."),
                details={"muted": unknown or [Category.SECURITY]},
            )
        pref.muted = sorted(set(muted))
    if pref.channel != Channel.EMAIL and not pref.phone:
        from shared_apps.messaging.errors import ContactMissing

        raise ContactMissing(
            gettext_noop("SMS and WhatsApp need your phone number."), details={"phone": None}
        )
    pref.save()
    return pref


@dataclass(frozen=True)
class Recipient:
    user_id: uuid.UUID
    channel: str
    to: str
    language: str


def recipients_of(*, tenant_id: int, roles: frozenset[str], category: str) -> list[Recipient]:
    """The shop's usable members with one of ``roles`` who did not mute ``category``, each on the
    channel of their preferences (e-mail when they gave no phone)."""
    from shared_apps.accounts.models import Membership

    now = timezone.now()
    members = [
        m
        for m in Membership.objects.select_related("user")
        .filter(tenant_id=tenant_id, role__in=sorted(roles), is_active=True, user__is_active=True)
        .order_by("created_at", "pk")
        if m.is_usable(now)
    ]
    prefs: dict[tuple[uuid.UUID, int | None], Preference] = {
        (p.user_id, p.tenant_id): p
        for p in Preference.objects.filter(user_id__in=[m.user_id for m in members]).filter(
            Q(tenant_id=tenant_id) | Q(tenant__isnull=True)
        )
    }
    out = []
    for m in members:
        pref = prefs.get((m.user_id, tenant_id)) or prefs.get((m.user_id, None))
        if pref is not None and category in pref.muted and category != Category.SECURITY:
            continue
        language = language_of(pref.language if pref else None)
        if pref is not None and pref.channel != Channel.EMAIL and pref.phone:
            out.append(Recipient(m.user_id, pref.channel, pref.phone, language))
        else:
            out.append(Recipient(m.user_id, Channel.EMAIL, m.user.email, language))
    return out


def user_language(*, user_id: uuid.UUID, tenant_id: int | None = None) -> str:
    return language_of(preference_of(user_id=user_id, tenant_id=tenant_id).language or None)


OPT_OUT_SALT = "messaging.opt_out"


def opt_out_token(*, channel: str, address: str, category: str) -> str:
    return signing.dumps([channel, address, category], salt=OPT_OUT_SALT, compress=True)


def opt_out(*, token: str) -> Suppression | None:
    """Stop messages of a category to an address, from the link in a message. None: bad link."""
    try:
        channel, address, category = signing.loads(token, salt=OPT_OUT_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return suppression_add(channel=channel, address=address, category=category, reason="opt_out")


def suppression_add(
    *, channel: str, address: str, category: str = "", reason: str = "opt_out"
) -> Suppression:
    if category and category not in CATEGORIES:
        raise CategoryInvalid(details={"category": category})
    suppression, _ = Suppression.objects.get_or_create(
        channel=channel,
        address=address_normalise(channel, address),
        category=category,
        defaults={"reason": reason[:64]},
    )
    return suppression


def shop_messaging_of(*, tenant_id: int) -> ShopMessaging:
    return ShopMessaging.objects.filter(tenant_id=tenant_id).first() or ShopMessaging(tenant_id=tenant_id)


@transaction.atomic
def shop_messaging_update(*, tenant_id: int, **changes: Any) -> ShopMessaging:
    """Change the shop's message settings (``low_stock_alerts``, ``daily_summary``,
    ``closing_time``, ``language``)."""
    from shared_apps.messaging.rendering import language_check

    shop, _ = ShopMessaging.objects.select_for_update().get_or_create(tenant_id=tenant_id)
    for name in ("low_stock_alerts", "daily_summary", "closing_time"):
        if changes.get(name) is not None:
            setattr(shop, name, changes[name])
    if changes.get("language") is not None:
        shop.language = language_check(changes["language"])
    shop.save()
    return shop
