"""Pricing tiers: created by platform staff, never edited; a price change retires the tiers the
new one covers (``replace=True``) in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from pos_platform.db import connection
from shared_apps.audit.services import platform_audit_record
from shared_apps.billing.errors import TierGap, TierInvalid, TierOverlap
from shared_apps.billing.models import PricingTier
from shared_apps.billing.pricing import parse_amount, tier_terms, validate_currency

# Storefront counts are small; a bound keeps typos (1e9) out.
MAX_STOREFRONTS = 100_000


def _ranges_overlap(tier: PricingTier, low: int, high: int | None) -> bool:
    tier_high = tier.max_storefronts if tier.max_storefronts is not None else MAX_STOREFRONTS + 1
    new_high = high if high is not None else MAX_STOREFRONTS + 1
    return tier.min_storefronts <= new_high and low <= tier_high


def coverage_problem(tiers: list[PricingTier]) -> str | None:
    """Why these tiers (one currency) do not cover 1, 2, 3, ... without a gap, or None."""
    expected = 1
    ordered = sorted(tiers, key=lambda t: t.min_storefronts)
    for index, tier in enumerate(ordered):
        if tier.min_storefronts != expected:
            return f"no tier covers {expected} to {tier.min_storefronts - 1} storefronts"
        if tier.max_storefronts is None:
            if index != len(ordered) - 1:
                return "only the highest tier may be open-ended"
            return None
        expected = tier.max_storefronts + 1
    return None


def _int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TierInvalid(
            gettext_noop("%(field)s must be a whole number."), details={field: value}, params={"field": field}
        )
    return value


@transaction.atomic
def tier_create(
    *,
    min_storefronts: int,
    max_storefronts: int | None,
    base_price: Any,
    price_per_additional: Any,
    actor: str,
    currency: str = "GHS",
    replace: bool = False,
) -> PricingTier:
    """Add an active tier. Active tiers of a currency must cover 1, 2, 3, ... storefronts without
    overlap or gap; ``replace`` retires the active tiers the new one overlaps (a price change)."""
    currency = validate_currency(currency)
    low = _int(min_storefronts, "min_storefronts")
    high = None if max_storefronts is None else _int(max_storefronts, "max_storefronts")
    if not 1 <= low <= MAX_STOREFRONTS or (high is not None and not low <= high <= MAX_STOREFRONTS):
        raise TierInvalid(
            gettext_noop(
                "A tier covers 1 to %(MAX_STOREFRONTS)s storefronts and its maximum is not below its minimum."
            ),
            details={"min_storefronts": low, "max_storefronts": high},
            params={"MAX_STOREFRONTS": MAX_STOREFRONTS},
        )
    base = parse_amount(base_price, currency, field="base_price")
    per_additional = parse_amount(price_per_additional, currency, field="price_per_additional")

    # Tier writes are rare: serialise them so that the coverage check sees every other writer.
    with connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {PricingTier._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
    active = list(PricingTier.objects.filter(currency=currency, is_active=True).order_by("min_storefronts"))
    overlapping = [tier for tier in active if _ranges_overlap(tier, low, high)]
    if overlapping and not replace:
        raise TierOverlap(
            gettext_noop(
                "This tier overlaps active tiers; to change their price, replace them (CLI: --replace)."
            ),
            details={"overlaps": [tier_terms(tier) for tier in overlapping]},
        )
    tier = PricingTier(
        currency=currency,
        min_storefronts=low,
        max_storefronts=high,
        base_price=base,
        price_per_additional=per_additional,
        created_by=actor,
    )
    problem = coverage_problem([t for t in active if t not in overlapping] + [tier])
    if problem:
        raise TierGap(
            gettext_noop("Active %(currency)s tiers must cover 1, 2, 3, ... storefronts: %(problem)s."),
            params={"currency": currency, "problem": problem},
        )

    now = timezone.now()
    for old in overlapping:
        old.is_active = False
        old.retired_at = now
        old.save(update_fields=["is_active", "retired_at"])
    tier.save()
    platform_audit_record(
        actor=actor,
        action="billing.tier.create",
        details={"tier": tier_terms(tier), "retired": [tier_terms(old) for old in overlapping]},
    )
    return tier
