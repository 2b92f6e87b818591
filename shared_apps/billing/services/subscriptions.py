"""Subscriptions: one per tenant, priced only from the storefronts the server counts.

The snapshot on a subscription (``storefront_count``, ``peak_storefront_count``, ``tier``,
``amount``) is kept current by the storefront hook (:func:`subscription_recount`, after every change
to a tenant's storefronts) and checked every day by :func:`subscriptions_validate`, which counts
every tenant's storefronts in bulk and corrects (and audits) any subscription that drifted.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from shared_apps.audit.services import platform_audit_record
from shared_apps.billing.counting import active_storefront_counts
from shared_apps.billing.models import PricingTier, Subscription
from shared_apps.billing.pricing import tier_for, tier_price, tier_terms
from shared_apps.billing.selectors import tiers_active, tiers_active_by_currency
from shared_apps.tenants.models import Tenant

SYSTEM_ACTOR = "system:billing"
_CHUNK = 250


def billing_today() -> date:
    """Billing runs on UTC dates."""
    return timezone.now().date()


def period_after(*, anchor_on: date, start: date) -> date:
    """The end of the billing period starting at ``start``: a whole number of months after the
    anchor, so that periods keep the anchor's day (31 Jan -> 28 Feb -> 31 Mar)."""
    months = (start.year - anchor_on.year) * 12 + (start.month - anchor_on.month)
    end = anchor_on + relativedelta(months=months + 1)
    while end <= start:  # a start that is not on an anchor month-day (never made here)
        months += 1
        end = anchor_on + relativedelta(months=months + 1)
    return end


def _new_subscription(tenant: Tenant, started_on: date | None = None) -> Subscription:
    start = started_on or tenant.created_at.date()
    trial_end = start + timedelta(days=max(settings.POS_BILLING_TRIAL_DAYS, 0))
    return Subscription(
        tenant=tenant,
        currency=tenant.currency,
        status=Subscription.Status.TRIALING,
        anchor_on=trial_end,
        period_start=start,
        period_end=trial_end,
    )


def subscription_ensure(*, tenant: Tenant, started_on: date | None = None) -> Subscription:
    """The tenant's subscription; made on first need, trialing from the tenant's creation (or
    ``started_on``) for ``POS_BILLING_TRIAL_DAYS``. The one-per-tenant constraint settles races."""
    template = _new_subscription(tenant, started_on)
    subscription, _ = Subscription.objects.get_or_create(
        tenant=tenant,
        defaults={
            "currency": template.currency,
            "status": template.status,
            "anchor_on": template.anchor_on,
            "period_start": template.period_start,
            "period_end": template.period_end,
        },
    )
    return subscription


@dataclass(frozen=True)
class Priced:
    storefront_count: int
    peak_storefront_count: int
    tier: PricingTier | None
    amount: Decimal | None

    @property
    def tier_id(self) -> int | None:
        return self.tier.pk if self.tier is not None else None


def price_subscription(*, count: int, peak_so_far: int, tiers: list[PricingTier]) -> Priced:
    """What a subscription's snapshot should be with ``count`` active storefronts now, when the most
    active at once since the last invoice was ``peak_so_far``: the next invoice bills the peak."""
    peak = max(peak_so_far, count)
    tier = cast("PricingTier | None", tier_for(tiers, peak))
    amount = tier_price(tier, peak) if tier is not None else None
    return Priced(storefront_count=count, peak_storefront_count=peak, tier=tier, amount=amount)


def _differs(subscription: Subscription, priced: Priced) -> bool:
    return (
        subscription.storefront_count != priced.storefront_count
        or subscription.peak_storefront_count != priced.peak_storefront_count
        or subscription.tier_id != priced.tier_id
        or subscription.amount != priced.amount
    )


def _state(subscription: Subscription) -> dict[str, Any]:
    return {
        "storefront_count": subscription.storefront_count,
        "peak_storefront_count": subscription.peak_storefront_count,
        "tier_id": subscription.tier_id,
        "amount": None if subscription.amount is None else str(subscription.amount),
    }


def apply_priced(subscription: Subscription, priced: Priced, *, slug: str, source: str, actor: str) -> bool:
    """Write the snapshot (on a locked row) and audit what needs it; True if anything changed.

    A drifted count found by the daily validation is audited as ``billing.subscription.corrected``
    and any change of tier as ``billing.subscription.tier_changed``; the very first count of a new
    subscription is neither.
    """
    if not _differs(subscription, priced):
        return False
    first_count = subscription.priced_at is None
    before = _state(subscription)
    old_tier = subscription.tier
    count_changed = subscription.storefront_count != priced.storefront_count
    subscription.storefront_count = priced.storefront_count
    subscription.peak_storefront_count = priced.peak_storefront_count
    subscription.tier = priced.tier
    subscription.amount = priced.amount
    subscription.priced_at = timezone.now()
    subscription.save(
        update_fields=[
            "storefront_count",
            "peak_storefront_count",
            "tier",
            "amount",
            "priced_at",
            "updated_at",
        ]
    )
    if first_count:
        return True
    if source == "daily_validation" and count_changed:
        platform_audit_record(
            actor=actor,
            action="billing.subscription.corrected",
            tenant_slug=slug,
            details={"before": before, "after": _state(subscription), "source": source},
        )
    if (old_tier.pk if old_tier else None) != priced.tier_id:
        platform_audit_record(
            actor=actor,
            action="billing.subscription.tier_changed",
            tenant_slug=slug,
            details={
                "from": tier_terms(old_tier) if old_tier else None,
                "to": tier_terms(priced.tier) if priced.tier else None,
                "billable_storefronts": priced.peak_storefront_count,
                "amount": None if priced.amount is None else str(priced.amount),
                "source": source,
            },
        )
    return True


def _locked(tenant_id: int) -> Subscription:
    return (
        Subscription.objects.select_for_update(of=("self",))
        .select_related("tenant", "tier")
        .get(tenant_id=tenant_id)
    )


@transaction.atomic
def subscription_recount(
    *, tenant_id: int, source: str = "storefronts_changed", actor: str = SYSTEM_ACTOR
) -> Subscription:
    """Count the tenant's active storefronts now and bring its subscription's snapshot up to date.

    Counted after the row lock is taken, so of two concurrent recounts the later one sees the
    later state; running it again changes nothing.
    """
    tenant = Tenant.objects.get(pk=tenant_id)
    subscription_ensure(tenant=tenant)
    subscription = _locked(tenant_id)
    count = active_storefront_counts([(tenant.pk, tenant.schema_name)]).get(tenant.pk, 0)
    priced = price_subscription(
        count=count,
        peak_so_far=subscription.peak_storefront_count,
        tiers=tiers_active(currency=subscription.currency),
    )
    apply_priced(subscription, priced, slug=tenant.slug, source=source, actor=actor)
    return subscription


@dataclass
class ValidationReport:
    tenants: int = 0
    created: int = 0
    # The storefront count had drifted (audited as billing.subscription.corrected).
    corrected: list[str] = field(default_factory=list)
    # First priced (a new subscription), or a new price for the same count (tiers changed).
    repriced: list[str] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)
    missing_schema: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def subscriptions_create_missing() -> int:
    """Give every tenant without one a trialing subscription; one query to find them, one insert."""
    missing = [_new_subscription(t) for t in Tenant.objects.filter(subscription__isnull=True)]
    Subscription.objects.bulk_create(missing, ignore_conflicts=True, batch_size=1000)
    return len(missing)


def subscriptions_validate(*, actor: str = SYSTEM_ACTOR) -> ValidationReport:
    """The daily check of every subscription against the storefronts its tenant really has.

    Storefronts are counted in bulk (one query per 250 tenant schemas); only the subscriptions
    whose snapshot differs are then recounted under their row lock, corrected and audited. Safe to
    run twice: a second run finds nothing to correct.
    """
    report = ValidationReport(created=subscriptions_create_missing())
    tiers = tiers_active_by_currency()
    last_tenant_id = 0
    while True:
        chunk = list(
            Subscription.objects.select_related("tenant")
            .exclude(status=Subscription.Status.CANCELLED)
            .filter(tenant_id__gt=last_tenant_id)
            .order_by("tenant_id")[:_CHUNK]
        )
        if not chunk:
            break
        last_tenant_id = chunk[-1].tenant_id
        report.tenants += len(chunk)
        counts = active_storefront_counts((s.tenant_id, s.tenant.schema_name) for s in chunk)
        for subscription in chunk:
            slug = subscription.tenant.slug
            if subscription.tenant_id not in counts:
                report.missing_schema.append(slug)
                continue
            priced = price_subscription(
                count=counts[subscription.tenant_id],
                peak_so_far=subscription.peak_storefront_count,
                tiers=tiers.get(subscription.currency, []),
            )
            if priced.tier is None:
                report.unpriced.append(slug)
            if _differs(subscription, priced):
                drifted = (
                    subscription.priced_at is not None
                    and subscription.storefront_count != priced.storefront_count
                )
                subscription_recount(tenant_id=subscription.tenant_id, source="daily_validation", actor=actor)
                (report.corrected if drifted else report.repriced).append(slug)
    return report
