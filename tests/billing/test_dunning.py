"""Dunning: past_due the day after the due date, suspended after the grace period; a suspended
tenant still uploads offline sales and still reads what it owes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.billing.models import Invoice, PricingTier, Subscription, TaxRate
from shared_apps.billing.services.dunning import dunning_run
from shared_apps.billing.services.subscriptions import billing_today
from shared_apps.tenants.models import Tenant
from shared_apps.tenants.services import tenant_suspend
from tests.billing.conftest import billed_tenant, issue
from tests.conftest import Member


@pytest.fixture
def overdue(
    tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate], settings: Any
) -> Invoice:
    settings.POS_BILLING_DUE_DAYS = 7
    settings.POS_BILLING_GRACE_DAYS = 7
    billed_tenant(tenant_a, storefronts=1, days_ago=60)
    return issue(tenant_a, today=billing_today() - timedelta(days=40))


def states(tenant: Tenant) -> tuple[str, str, str]:
    tenant.refresh_from_db()
    return Subscription.objects.get(tenant=tenant).status, tenant.status, tenant.suspension_reason


def test_the_dunning_timeline(overdue: Invoice, tenant_a: Tenant) -> None:
    due = overdue.due_on
    assert due == overdue.issued_on + timedelta(days=7)

    assert dunning_run(today=due).as_dict() == {"past_due": [], "suspended": []}
    assert states(tenant_a) == ("trialing", "active", "")

    assert dunning_run(today=due + timedelta(days=1)).past_due == ["alpha"]
    assert states(tenant_a) == ("past_due", "active", "")

    assert dunning_run(today=due + timedelta(days=7)).as_dict() == {"past_due": [], "suspended": []}
    assert states(tenant_a) == ("past_due", "active", "")

    assert dunning_run(today=due + timedelta(days=8)).suspended == ["alpha"]
    assert states(tenant_a) == ("suspended", "suspended", "non_payment")

    actions = list(
        PlatformAuditEntry.objects.filter(tenant_slug="alpha", action__startswith="billing.subscription.")
        .exclude(action="billing.subscription.tier_changed")
        .order_by("id")
        .values_list("action", "details__days_overdue")
    )
    assert actions == [("billing.subscription.past_due", 1), ("billing.subscription.suspended", 8)]
    assert PlatformAuditEntry.objects.filter(
        tenant_slug="alpha", action="tenant.suspend", details__reason="non_payment"
    ).exists()


def test_dunning_twice_changes_nothing_more(overdue: Invoice, tenant_a: Tenant) -> None:
    today = overdue.due_on + timedelta(days=30)
    first = dunning_run(today=today)
    state = (states(tenant_a), PlatformAuditEntry.objects.count())

    second = dunning_run(today=today)

    assert first.suspended == ["alpha"]  # straight to suspended when the job missed days
    assert second.as_dict() == {"past_due": [], "suspended": []}
    assert (states(tenant_a), PlatformAuditEntry.objects.count()) == state


def test_a_tenant_suspended_by_staff_keeps_their_reason(overdue: Invoice, tenant_a: Tenant) -> None:
    tenant_suspend(slug="alpha", actor="cli:ops", reason="platform")

    dunning_run(today=overdue.due_on + timedelta(days=30))

    assert states(tenant_a) == ("suspended", "suspended", "platform")


def test_staff_resuming_a_tenant_is_not_undone_by_the_next_run(overdue: Invoice, tenant_a: Tenant) -> None:
    from shared_apps.tenants.services import tenant_resume

    today = overdue.due_on + timedelta(days=30)
    dunning_run(today=today)
    tenant_resume(slug="alpha", actor="cli:ops")

    dunning_run(today=today + timedelta(days=1))

    assert states(tenant_a) == ("suspended", "active", "")


def test_a_paid_invoice_is_not_dunned(overdue: Invoice, tenant_a: Tenant) -> None:
    from django.utils import timezone

    Invoice.objects.filter(pk=overdue.pk).update(status="paid", paid_at=timezone.now())

    assert dunning_run(today=overdue.due_on + timedelta(days=30)).as_dict() == {
        "past_due": [],
        "suspended": [],
    }
    assert states(tenant_a) == ("trialing", "active", "")


def test_a_tenant_suspended_for_non_payment_still_uploads_and_reads_its_bill(
    overdue: Invoice, tenant_a: Tenant, make_member: Callable[..., Member]
) -> None:
    owner = make_member(tenant_a, "owner")
    dunning_run(today=overdue.due_on + timedelta(days=30))

    refused = owner.client.get("/api/v1/storefronts")
    push = owner.client.post("/api/v1/sync/push", data={}, format="json")
    bill = owner.client.get("/api/v1/billing/subscription")
    invoice = owner.client.get(f"/api/v1/billing/invoices/{overdue.pk}")

    assert (refused.status_code, refused.json()["code"]) == (403, "tenant_suspended")
    assert push.json().get("code") != "tenant_suspended"
    assert (bill.status_code, bill.json()["status"]) == (200, "suspended")
    assert (invoice.status_code, invoice.json()["total"]) == (200, "221.40")
