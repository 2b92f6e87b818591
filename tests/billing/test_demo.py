"""The demo seeder makes the demo shop billable, and running it again adds nothing."""

from __future__ import annotations

from decimal import Decimal

from django_tenants.utils import tenant_context

from pos_platform.demo import DemoContext
from shared_apps.billing.demo import seed_billing
from shared_apps.billing.models import PricingTier, Subscription, TaxRate
from shared_apps.tenants.models import Tenant
from tests.billing.conftest import add_storefronts


def test_the_demo_seed_prices_the_demo_shop_and_is_idempotent(tenant_a: Tenant) -> None:
    add_storefronts(tenant_a, 1)
    context = DemoContext(tenant=tenant_a)

    with tenant_context(tenant_a):
        seed_billing(context)
        seed_billing(DemoContext(tenant=tenant_a))

    assert PricingTier.objects.filter(currency="GHS", is_active=True).count() == 3
    assert TaxRate.objects.filter(currency="GHS").count() == 5
    sub = Subscription.objects.get(tenant=tenant_a)
    assert (sub.storefront_count, sub.amount) == (1, Decimal("180.00"))
    assert context.lines[-1].startswith("Billing: trialing until ")
