"""Billing notices reach the shop's owners, each once: invoice issued, past due, suspension
coming, suspended, payment received, resumed (through the real SMTP server, or by SMS for an
owner who prefers it)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from shared_apps.billing.models import Invoice, PricingTier, TaxRate
from shared_apps.billing.services.dunning import dunning_run
from shared_apps.billing.services.subscriptions import billing_today
from shared_apps.messaging.models import Message
from shared_apps.messaging.services import messages_sweep, preference_update
from shared_apps.tenants.models import Tenant
from tests.billing.conftest import billed_tenant, charge_event, issue
from tests.messaging.servers import AfricasTalkingServer, SmtpServer


def events(tenant: Tenant) -> list[str]:
    return [
        m.key.split(":")[1]
        for m in Message.objects.filter(tenant=tenant, kind="billing").order_by("created_at", "key")
    ]


@pytest.fixture
def billing_setup(
    tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate], settings: Any
) -> None:
    settings.POS_BILLING_DUE_DAYS = 7
    settings.POS_BILLING_GRACE_DAYS = 7
    settings.POS_BILLING_NOTICE_DAYS = 3
    billed_tenant(tenant_a, storefronts=1, days_ago=60)


def test_the_notices_of_an_unpaid_then_paid_invoice_each_once(
    billing_setup: None, tenant_a: Tenant, smtp: SmtpServer, post_webhook: Callable[..., Any]
) -> None:
    today = billing_today()
    invoice = issue(tenant_a, today=today - timedelta(days=12))  # due 5 days ago
    assert events(tenant_a) == ["invoice_issued"]

    dunning_run(today=today)  # past due; suspended in 3 days: told so
    dunning_run(today=today)
    assert events(tenant_a) == ["invoice_issued", "past_due", "suspension_coming"]
    dunning_run(today=today + timedelta(days=3))
    dunning_run(today=today + timedelta(days=4))
    assert events(tenant_a)[-1] == "suspended"
    tenant_a.refresh_from_db()
    assert tenant_a.status == "suspended"

    paid = post_webhook(charge_event(invoice))
    assert paid.json()["status"] == "applied"
    again = post_webhook(charge_event(invoice))
    assert again.json()["status"] == "duplicate"
    assert events(tenant_a) == [
        "invoice_issued",
        "past_due",
        "suspension_coming",
        "suspended",
        "payment_received",
        "resumed",
    ]

    messages_sweep()
    subjects = [m.message["Subject"] for m in smtp.to("owner@alpha.test")]
    assert subjects == [
        f"Invoice {invoice.number} for Alpha",
        f"Invoice {invoice.number} is overdue",
        f"Alpha will be suspended on {(invoice.due_on + timedelta(days=8)).isoformat()}",
        "Alpha is suspended",
        f"Payment received for invoice {invoice.number}",
        "Alpha is open again",
    ]
    issued = smtp.to("owner@alpha.test")[0].text
    assert invoice.reference in issued
    assert "GHS" in issued


def test_an_owner_who_prefers_sms_gets_billing_by_sms_in_french(
    billing_setup: None, tenant_a: Tenant, owner_a: Any, at: AfricasTalkingServer
) -> None:
    preference_update(
        user_id=owner_a.pk, tenant_id=tenant_a.pk, channel="sms", phone="+233241234567", language="fr"
    )
    invoice = issue(tenant_a, today=billing_today())
    messages_sweep()
    [sms] = at.accepted
    assert sms["to"] == "+233241234567"
    assert sms["message"].startswith(f"Alpha : facture {invoice.number}")


def test_an_owner_who_muted_billing_gets_none(billing_setup: None, tenant_a: Tenant, owner_a: Any) -> None:
    preference_update(user_id=owner_a.pk, tenant_id=None, muted=["billing"])
    issue(tenant_a, today=billing_today())
    assert events(tenant_a) == []
    assert Invoice.objects.filter(tenant=tenant_a).count() == 1
