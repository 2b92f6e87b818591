"""Billing fixtures: Ghana's example tiers and rates, tenants with storefronts, signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import override_settings
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from shared_apps.billing.models import Invoice, PricingTier, Subscription, TaxRate
from shared_apps.billing.services.invoices import invoice_issue
from shared_apps.billing.services.subscriptions import (
    billing_today,
    subscription_ensure,
    subscription_recount,
)
from shared_apps.billing.services.taxes import tax_rate_create
from shared_apps.billing.services.tiers import tier_create
from shared_apps.tenants.models import Tenant
from tenant_apps.storefronts.models import Storefront
from tenant_apps.storefronts.services import storefront_create
from tests.conftest import api_client

WEBHOOK_SECRET = "sk_test_billing_webhook_secret"
RATES_FROM = date(2024, 1, 1)
GHANA_RATES = [
    ("vat", "VAT", "15", "tax"),
    ("nhil", "NHIL", "2.5", "tax"),
    ("getfund", "GETFund levy", "2.5", "tax"),
    ("covid19", "COVID-19 health recovery levy", "1", "tax"),
    ("gateway", "Payment gateway charge", "2", "service_charge"),
]
# Continuous prices: 1-3 at 180 + 60 each above 1; 4-10 at 300 + 50 above 4; 11+ at 650 + 40.
GHS_TIERS = [(1, 3, "180.00", "60.00"), (4, 10, "300.00", "50.00"), (11, None, "650.00", "40.00")]


def make_tiers(
    currency: str = "GHS", tiers: list[tuple[int, int | None, str, str]] = GHS_TIERS
) -> list[PricingTier]:
    return [
        tier_create(
            min_storefronts=low,
            max_storefronts=high,
            base_price=base,
            price_per_additional=extra,
            currency=currency,
            actor="tests",
        )
        for low, high, base, extra in tiers
    ]


def make_rates(currency: str = "GHS", effective_from: date = RATES_FROM) -> list[TaxRate]:
    return [
        tax_rate_create(
            code=code,
            name=name,
            rate=rate,
            kind=kind,
            effective_from=effective_from,
            currency=currency,
            actor="tests",
        )
        for code, name, rate, kind in GHANA_RATES
    ]


@pytest.fixture
def ghs_tiers(db: None) -> list[PricingTier]:
    return make_tiers()


@pytest.fixture
def ghana_rates(db: None) -> list[TaxRate]:
    return make_rates()


def add_storefronts(tenant: Tenant, count: int, *, prefix: str = "S") -> list[Storefront]:
    """Storefronts made through the real service (its hooks run at commit, not inside a test's
    transaction; tests that want them use django_capture_on_commit_callbacks)."""
    with tenant_context(tenant):
        existing = Storefront.objects.count()
        return [
            storefront_create(code=f"{prefix}{existing + i:02d}", name=f"Shop {existing + i}")
            for i in range(count)
        ]


def bypass_set_active(tenant: Tenant, *, active: bool, count: int) -> None:
    """Change storefronts without the service (no hook runs): what the daily validation is for."""
    with tenant_context(tenant):
        ids = list(
            Storefront.objects.filter(is_active=not active)
            .order_by("code")
            .values_list("pk", flat=True)[:count]
        )
        Storefront.objects.filter(pk__in=ids).update(is_active=active)


def billed_tenant(tenant: Tenant, *, storefronts: int, days_ago: int = 30) -> Subscription:
    """A subscription that started ``days_ago`` (its trial has ended when that is over the trial
    length) with ``storefronts`` active storefronts, counted by the server."""
    subscription_ensure(tenant=tenant, started_on=billing_today() - timedelta(days=days_ago))
    add_storefronts(tenant, storefronts)
    return subscription_recount(tenant_id=tenant.pk)


def issue(tenant: Tenant, *, today: date | None = None) -> Invoice:
    invoice = invoice_issue(tenant_id=tenant.pk, today=today)
    assert invoice is not None
    return invoice


def sign(body: bytes, secret: str = WEBHOOK_SECRET) -> str:
    """Computed here with the hmac module, independently of the code under test."""
    return hmac.new(secret.encode(), body, hashlib.sha512).hexdigest()


def charge_event(invoice: Invoice, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": 4099260516,
        "domain": "test",
        "status": "success",
        "reference": invoice.reference,
        "amount": int(invoice.total * 100),
        "currency": invoice.currency,
        "paid_at": "2025-01-15T10:00:00.000Z",
        "channel": "mobile_money",
        "metadata": {},
    }
    data.update(overrides)
    return {"event": "charge.success", "data": data}


WEBHOOK_PATH = "/api/v1/billing/webhooks/paystack"


@pytest.fixture
def post_webhook(db: None) -> Callable[..., Any]:
    """POST a body to the webhook at the platform host, signed unless told otherwise."""

    def post(
        payload: dict[str, Any] | bytes, *, signature: str | None = "auto", secret: str = WEBHOOK_SECRET
    ) -> Any:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {}
        if signature == "auto":
            headers["HTTP_X_PAYSTACK_SIGNATURE"] = sign(body)
        elif signature is not None:
            headers["HTTP_X_PAYSTACK_SIGNATURE"] = signature
        client: APIClient = api_client(None)
        with override_settings(POS_PAYMENT_WEBHOOK_SECRET=secret):
            return client.post(WEBHOOK_PATH, data=body, content_type="application/json", **headers)

    return post
