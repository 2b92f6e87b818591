"""Invoices: issued when a subscription's period ends, for the period that follows.

An invoice bills the most storefronts the tenant had active at once since the previous invoice (at
least those active now), at the active tier of its currency, with the tax rates and service
charges in effect on the day of issue. It snapshots all of that, and never changes again.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from pos_platform.db import connection
from shared_apps.audit.services import platform_audit_record
from shared_apps.billing.counting import active_storefront_counts
from shared_apps.billing.errors import NoPricingTier
from shared_apps.billing.models import Invoice, PricingTier, Subscription
from shared_apps.billing.notices import billing_notice
from shared_apps.billing.pricing import (
    ROUNDING,
    Breakdown,
    breakdown,
    minor_unit,
    tier_for,
    tier_price,
    tier_terms,
)
from shared_apps.billing.selectors import rates_in_effect, tiers_active
from shared_apps.billing.services.subscriptions import (
    SYSTEM_ACTOR,
    apply_priced,
    billing_today,
    period_after,
    price_subscription,
)

SNAPSHOT_VERSION = 1


def _next_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval('billing_invoice_number_seq')")
        (value,) = cursor.fetchone()
    return f"INV-{value:06d}"


def _snapshot(
    *,
    subscription: Subscription,
    tier: PricingTier,
    active_now: int,
    billed: int,
    amounts: Breakdown,
    period: tuple[date, date],
    issued_on: date,
) -> dict[str, Any]:
    return {
        "version": SNAPSHOT_VERSION,
        "tenant": {"slug": subscription.tenant.slug, "name": subscription.tenant.name},
        "currency": amounts.currency,
        "period": {"start": period[0].isoformat(), "end": period[1].isoformat()},
        "storefronts": {
            "active_at_issue": active_now,
            "peak_since_last_invoice": subscription.peak_storefront_count,
            "billed": billed,
        },
        "tier": tier_terms(tier),
        "base_amount": str(amounts.base),
        "taxes": [line.as_dict() for line in amounts.taxes],
        "charges": [line.as_dict() for line in amounts.charges],
        "tax_amount": str(amounts.tax_amount),
        "charge_amount": str(amounts.charge_amount),
        "total": str(amounts.total),
        "rates_effective_on": issued_on.isoformat(),
        "rounding": {"mode": ROUNDING, "decimals": minor_unit(amounts.currency), "applied": "per line"},
    }


def invoice_issue(*, tenant_id: int, today: date | None = None, actor: str = SYSTEM_ACTOR) -> Invoice | None:
    """Issue the invoice for the period after the subscription's current one, once that period
    has begun; None when it is not due, already issued, or the subscription is cancelled.

    Raises :class:`NoPricingTier` (and writes nothing) when no active tier prices the tenant.
    """
    today = today or billing_today()
    try:
        with transaction.atomic():
            return _issue_locked(tenant_id=tenant_id, today=today, actor=actor)
    except IntegrityError:
        # Lost to a concurrent issuer: the one-invoice-per-period constraint kept it to one.
        if Invoice.objects.filter(
            tenant_id=tenant_id, period_start=Subscription.objects.get(tenant_id=tenant_id).period_end
        ).exists():
            return None
        raise


def _issue_locked(*, tenant_id: int, today: date, actor: str) -> Invoice | None:
    subscription = (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("tenant", "tier")
        .get(tenant_id=tenant_id)
    )
    start = subscription.period_end
    if subscription.status == Subscription.Status.CANCELLED or start > today:
        return None
    if Invoice.objects.filter(tenant_id=tenant_id, period_start=start).exists():
        return None
    tenant = subscription.tenant
    currency = subscription.currency
    active_now = active_storefront_counts([(tenant.pk, tenant.schema_name)]).get(
        tenant.pk, subscription.storefront_count
    )
    tiers = tiers_active(currency=currency)
    billed = max(subscription.peak_storefront_count, active_now)
    tier = cast("PricingTier | None", tier_for(tiers, billed))
    if tier is None:
        raise NoPricingTier(details={"tenant": tenant.slug, "currency": currency, "storefronts": billed})
    amounts = breakdown(
        base=tier_price(tier, billed), rates=rates_in_effect(currency=currency, on=today), currency=currency
    )
    end = period_after(anchor_on=subscription.anchor_on, start=start)
    invoice = Invoice.objects.create(
        number=_next_number(),
        reference=f"pos-{secrets.token_hex(10)}",
        tenant=tenant,
        tenant_slug=tenant.slug,
        tier=tier,
        currency=currency,
        period_start=start,
        period_end=end,
        issued_on=today,
        due_on=today + timedelta(days=max(settings.POS_BILLING_DUE_DAYS, 0)),
        storefront_count=billed,
        base_amount=amounts.base,
        tax_amount=amounts.tax_amount,
        charge_amount=amounts.charge_amount,
        total=amounts.total,
        snapshot=_snapshot(
            subscription=subscription,
            tier=tier,
            active_now=active_now,
            billed=billed,
            amounts=amounts,
            period=(start, end),
            issued_on=today,
        ),
    )
    # The next invoice's high-water mark starts again from the storefronts active now.
    apply_priced(
        subscription,
        price_subscription(count=active_now, peak_so_far=0, tiers=tiers),
        slug=tenant.slug,
        source="invoice_issue",
        actor=actor,
    )
    platform_audit_record(
        actor=actor,
        action="billing.invoice.issued",
        tenant_slug=tenant.slug,
        details={
            "number": invoice.number,
            "period": [start.isoformat(), end.isoformat()],
            "storefronts": billed,
            "total": str(invoice.total),
            "currency": currency,
            "due_on": invoice.due_on.isoformat(),
        },
    )
    billing_notice(event="invoice_issued", invoice=invoice)
    return invoice


@dataclass
class IssueReport:
    issued: list[str] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def invoices_issue_due(*, today: date | None = None, actor: str = SYSTEM_ACTOR) -> IssueReport:
    """Issue every invoice that is due today (the daily job). A tenant that cannot be priced is
    reported and skipped; the others go on. Safe to run twice: a period is invoiced once."""
    today = today or billing_today()
    report = IssueReport()
    due = (
        Subscription.objects.filter(period_end__lte=today)
        .exclude(status=Subscription.Status.CANCELLED)
        .exclude(
            Exists(
                Invoice.objects.filter(tenant_id=OuterRef("tenant_id"), period_start=OuterRef("period_end"))
            )
        )
        .order_by("tenant_id")
        .values_list("tenant_id", "tenant__slug")
    )
    for tenant_id, slug in due:
        try:
            invoice = invoice_issue(tenant_id=tenant_id, today=today, actor=actor)
        except NoPricingTier:
            report.unpriced.append(slug)
            continue
        if invoice is not None:
            report.issued.append(invoice.number)
    return report
