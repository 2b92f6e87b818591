"""Demo billing data for ``make run`` (``settings.POS_DEMO_SEEDERS``); never used in production.

When no GHS tier exists yet it adds example tiers (continuous prices: 1-3 storefronts GHS 180 +
60 each above 1; 4-10 GHS 300 + 50 each above 4; 11+ GHS 650 + 40 each above 11) and Ghana's
rates of the acceptance example (VAT 15 %, NHIL 2.5 %, GETFund 2.5 %, COVID-19 levy 1 %, each on
the base, and a 2 % payment-gateway charge), then prices the demo shop's subscription.
"""

from __future__ import annotations

from datetime import date

from pos_platform.demo import DemoContext
from shared_apps.billing.models import PricingTier, TaxRate
from shared_apps.billing.services.subscriptions import subscription_recount
from shared_apps.billing.services.taxes import tax_rate_create
from shared_apps.billing.services.tiers import tier_create

ACTOR = "system:demo"
DEMO_TIERS = [(1, 3, "180.00", "60.00"), (4, 10, "300.00", "50.00"), (11, None, "650.00", "40.00")]
DEMO_RATES = [
    ("vat", "VAT", "15", TaxRate.Kind.TAX),
    ("nhil", "NHIL", "2.5", TaxRate.Kind.TAX),
    ("getfund", "GETFund levy", "2.5", TaxRate.Kind.TAX),
    ("covid19", "COVID-19 health recovery levy", "1", TaxRate.Kind.TAX),
    ("gateway", "Payment gateway charge", "2", TaxRate.Kind.SERVICE_CHARGE),
]
DEMO_RATES_FROM = date(2024, 1, 1)


def seed_billing(context: DemoContext) -> None:
    if not PricingTier.objects.filter(currency="GHS", is_active=True).exists():
        for low, high, base, per_additional in DEMO_TIERS:
            tier_create(
                min_storefronts=low,
                max_storefronts=high,
                base_price=base,
                price_per_additional=per_additional,
                currency="GHS",
                actor=ACTOR,
            )
    if not TaxRate.objects.filter(currency="GHS").exists():
        for code, name, rate, kind in DEMO_RATES:
            tax_rate_create(
                code=code,
                name=name,
                rate=rate,
                kind=kind,
                effective_from=DEMO_RATES_FROM,
                currency="GHS",
                actor=ACTOR,
            )
    subscription = subscription_recount(tenant_id=context.tenant.pk, source="demo")
    context.lines.append(
        f"Billing: {subscription.status} until {subscription.period_end.isoformat()}, "
        f"{subscription.storefront_count} storefront(s), GHS {subscription.amount} a month before tax"
    )
