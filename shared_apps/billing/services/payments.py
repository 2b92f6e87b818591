"""Payments notified by the payment provider (Paystack-style signed webhooks).

The notification names only the invoice's payment reference, the provider's transaction id, and
the amount and currency paid. The amount and currency are checked against the invoice, never used
to set anything; anything else the payload carries (metadata with a plan, a tier, a count) is not
read at all.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import ApplicationError
from shared_apps.audit.services import platform_audit_record
from shared_apps.billing.errors import InvoiceNotFound, PaymentAmountMismatch, PaymentCurrencyMismatch
from shared_apps.billing.models import Invoice, PaymentEvent, Subscription
from shared_apps.billing.notices import billing_notice
from shared_apps.billing.pricing import to_minor
from shared_apps.billing.services.dunning import NON_PAYMENT
from shared_apps.tenants.models import Tenant
from shared_apps.tenants.services import tenant_resume

PAYSTACK = "paystack"


def webhook_signature(*, body: bytes, secret: str) -> str:
    """Paystack's signature: the hex HMAC-SHA512 of the raw request body under the secret key."""
    return hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()


def signature_valid(*, body: bytes, signature: str | None, secret: str) -> bool:
    if not secret or not signature:
        return False
    expected = webhook_signature(body=body, secret=secret).encode()
    # Constant time: how much of a forged signature matched must not show in the response time.
    return hmac.compare_digest(expected, signature.strip().lower().encode())


@dataclass(frozen=True)
class Charge:
    """A successful charge as the provider reports it."""

    provider: str
    event_id: str
    reference: str
    amount_minor: int
    currency: str
    paid_at: str = ""
    channel: str = ""


@dataclass(frozen=True)
class PaymentResult:
    # "applied": the invoice is now paid; "duplicate": this event was seen before, nothing
    # changed; "already_paid": another payment had paid the invoice, this one is kept for refund.
    outcome: str
    invoice: Invoice


def payment_apply(*, charge: Charge, actor: str = "system:payments") -> PaymentResult:
    """Apply a provider's successful charge to the invoice it references.

    Unknown reference: :class:`InvoiceNotFound`. Wrong currency or amount: a security entry in
    the platform audit log (kept) and :class:`PaymentCurrencyMismatch` /
    :class:`PaymentAmountMismatch`, with nothing else written. The same provider event twice: the
    second is a ``duplicate`` and changes nothing (a unique constraint on the provider's id).
    """
    refusal: ApplicationError | None = None
    with transaction.atomic():
        invoice = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("tenant")
            .filter(reference=charge.reference)
            .first()
        )
        if invoice is None:
            raise InvoiceNotFound(
                gettext_noop("No invoice has the payment reference %(reference)s."),
                params={"reference": f"{charge.reference!r}"},
            )
        if PaymentEvent.objects.filter(provider=charge.provider, provider_event_id=charge.event_id).exists():
            return PaymentResult(outcome="duplicate", invoice=invoice)
        refusal = _mismatch(invoice, charge)
        if refusal is None:
            return _record(invoice, charge, actor)
        # The audit entry is committed; the caller still gets the refusal.
        platform_audit_record(
            actor=actor,
            action=f"billing.security.{refusal.code}",
            tenant_slug=invoice.tenant_slug,
            details={
                "provider": charge.provider,
                "event_id": charge.event_id,
                "reference": charge.reference,
                "invoice": invoice.number,
                "expected": {
                    "amount_minor": to_minor(invoice.total, invoice.currency),
                    "currency": invoice.currency,
                },
                "received": {"amount_minor": charge.amount_minor, "currency": charge.currency},
            },
        )
    assert refusal is not None
    raise refusal


def _mismatch(invoice: Invoice, charge: Charge) -> ApplicationError | None:
    if charge.currency != invoice.currency:
        return PaymentCurrencyMismatch(
            f"Invoice {invoice.number} is in {invoice.currency}, the payment in {charge.currency}.",
            details={"expected": invoice.currency, "received": charge.currency},
        )
    expected = to_minor(invoice.total, invoice.currency)
    if charge.amount_minor != expected:
        return PaymentAmountMismatch(
            f"Invoice {invoice.number} is for {expected} minor units, the payment for {charge.amount_minor}.",
            details={"expected_minor": expected, "received_minor": charge.amount_minor},
        )
    return None


def _record(invoice: Invoice, charge: Charge, actor: str) -> PaymentResult:
    already_paid = invoice.status == Invoice.Status.PAID
    outcome = PaymentEvent.Outcome.ALREADY_PAID if already_paid else PaymentEvent.Outcome.APPLIED
    try:
        with transaction.atomic():
            PaymentEvent.objects.create(
                provider=charge.provider,
                provider_event_id=charge.event_id,
                invoice=invoice,
                outcome=outcome,
                amount_minor=charge.amount_minor,
                currency=charge.currency,
                provider_paid_at=charge.paid_at[:40],
                payload=_payload(charge),
            )
    except IntegrityError:
        # The same event delivered twice at once: the constraint let one through.
        return PaymentResult(outcome="duplicate", invoice=invoice)
    if already_paid:
        platform_audit_record(
            actor=actor,
            action="billing.payment.already_paid",
            tenant_slug=invoice.tenant_slug,
            details={
                "invoice": invoice.number,
                "event_id": charge.event_id,
                "amount_minor": charge.amount_minor,
            },
        )
        return PaymentResult(outcome=outcome, invoice=invoice)

    invoice.status = Invoice.Status.PAID
    invoice.paid_at = timezone.now()
    invoice.save(update_fields=["status", "paid_at"])
    resumed = False
    if invoice.tenant_id is not None:
        _extend(invoice, invoice.tenant_id)
        resumed = _resume_if_suspended_for_non_payment(invoice.tenant_id, actor)
    platform_audit_record(
        actor=actor,
        action="billing.invoice.paid",
        tenant_slug=invoice.tenant_slug,
        details={
            "invoice": invoice.number,
            "provider": charge.provider,
            "event_id": charge.event_id,
            "period": [invoice.period_start.isoformat(), invoice.period_end.isoformat()],
            "tenant_resumed": resumed,
        },
    )
    billing_notice(event="payment_received", invoice=invoice)
    if resumed:
        billing_notice(event="resumed", invoice=invoice)
    return PaymentResult(outcome=outcome, invoice=invoice)


def _payload(charge: Charge) -> dict[str, Any]:
    return {
        "reference": charge.reference,
        "amount": charge.amount_minor,
        "currency": charge.currency,
        "paid_at": charge.paid_at,
        "channel": charge.channel,
    }


def _extend(invoice: Invoice, tenant_id: int) -> None:
    """The subscription is paid through the invoice's period, and in good standing again."""
    subscription = Subscription.objects.select_for_update().filter(tenant_id=tenant_id).first()
    if subscription is None:
        return
    fields = ["updated_at"]
    if invoice.period_end > subscription.period_end:
        subscription.period_start = invoice.period_start
        subscription.period_end = invoice.period_end
        fields += ["period_start", "period_end"]
    if subscription.status != Subscription.Status.CANCELLED:
        subscription.status = Subscription.Status.ACTIVE
        fields.append("status")
    subscription.save(update_fields=fields)


def _resume_if_suspended_for_non_payment(tenant_id: int, actor: str) -> bool:
    tenant = Tenant.objects.filter(pk=tenant_id).first()
    if tenant is None or not tenant.is_suspended or tenant.suspension_reason != NON_PAYMENT:
        return False
    tenant_resume(slug=tenant.slug, actor=actor)
    return True
