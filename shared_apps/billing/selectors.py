"""Billing reads."""

from __future__ import annotations

import uuid
from datetime import date

from django.db.models import QuerySet

from shared_apps.billing.errors import InvoiceNotFound, SubscriptionNotFound
from shared_apps.billing.models import Invoice, PricingTier, Subscription, TaxRate


def tiers_active(*, currency: str) -> list[PricingTier]:
    return list(PricingTier.objects.filter(currency=currency, is_active=True).order_by("min_storefronts"))


def tiers_active_by_currency() -> dict[str, list[PricingTier]]:
    tiers: dict[str, list[PricingTier]] = {}
    for tier in PricingTier.objects.filter(is_active=True).order_by("currency", "min_storefronts"):
        tiers.setdefault(tier.currency, []).append(tier)
    return tiers


def tier_list(*, include_retired: bool = False, currency: str | None = None) -> QuerySet[PricingTier]:
    qs = PricingTier.objects.all()
    if not include_retired:
        qs = qs.filter(is_active=True)
    if currency:
        qs = qs.filter(currency=currency)
    return qs.order_by("currency", "min_storefronts", "-is_active", "-created_at")


def tax_rate_list(*, currency: str | None = None) -> QuerySet[TaxRate]:
    qs = TaxRate.objects.all()
    if currency:
        qs = qs.filter(currency=currency)
    return qs.order_by("currency", "code", "-effective_from")


def rates_in_effect(*, currency: str, on: date) -> list[TaxRate]:
    """For each code, its latest rate from ``on`` or before, ordered by code. A code whose latest
    rate is 0 has ended: the caller leaves it off."""
    return list(
        TaxRate.objects.filter(currency=currency, effective_from__lte=on)
        .order_by("code", "-effective_from")
        .distinct("code")
    )


def subscription_of(*, tenant_id: int) -> Subscription:
    subscription = Subscription.objects.select_related("tier").filter(tenant_id=tenant_id).first()
    if subscription is None:
        raise SubscriptionNotFound()
    return subscription


def invoice_open_of(*, tenant_id: int) -> Invoice | None:
    return (
        Invoice.objects.filter(tenant_id=tenant_id, status=Invoice.Status.OPEN).order_by("-issued_on").first()
    )


def invoice_list(*, tenant_id: int) -> QuerySet[Invoice]:
    return Invoice.objects.filter(tenant_id=tenant_id).order_by("-issued_on", "-number")


def invoice_list_for_slug(*, slug: str) -> QuerySet[Invoice]:
    """Every invoice issued to the slug, including those kept after the tenant was deleted."""
    return Invoice.objects.filter(tenant_slug=slug).order_by("-issued_on", "-number")


def invoice_of(*, tenant_id: int, invoice_id: uuid.UUID | str) -> Invoice:
    """The tenant's invoice; another tenant's id is answered as unknown."""
    invoice = Invoice.objects.filter(tenant_id=tenant_id, pk=invoice_id).first()
    if invoice is None:
        raise InvoiceNotFound()
    return invoice
