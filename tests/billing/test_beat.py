"""The daily jobs as Celery beat sends them, run by a real worker over the real Redis broker
against committed data: once, then again, which changes nothing more."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from django.db import connection
from django_tenants.utils import tenant_context

from pos_platform.celery import app
from pos_platform.scheduler import PlatformScheduler
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.billing.models import Invoice, PricingTier, Subscription, TaxRate
from shared_apps.billing.services.invoices import invoice_issue
from shared_apps.billing.services.subscriptions import billing_today, subscription_ensure
from shared_apps.tenants.models import Tenant
from shared_apps.tenants.services import TenantCreated
from tenant_apps.storefronts.models import Storefront
from tests.billing.conftest import add_storefronts, make_rates, make_tiers

# In the order beat sends them each night.
BILLING_ENTRIES = [
    "billing-validate-subscriptions@public",
    "billing-issue-invoices@public",
    "billing-dunning@public",
]
# ISO 4217's code for testing: tiers and rates made here cannot meet other tests' GHS ones.
CURRENCY = "XTS"


class RecordingScheduler(PlatformScheduler):
    """The project's scheduler, remembering what it sent so the test can wait for each job."""

    sent: list[AsyncResult]

    def apply_async(self, *args: Any, **kwargs: Any) -> AsyncResult:
        result = super().apply_async(*args, **kwargs)
        self.sent.append(result)
        return result


@pytest.fixture
def committed_billing(live_db: None) -> Iterator[None]:
    """Committed XTS tiers and rates; afterwards removes them and the subscriptions the jobs made."""
    subscriptions_before = set(Subscription.objects.values_list("pk", flat=True))
    make_tiers(CURRENCY, [(1, 3, "100.00", "25.00"), (4, None, "150.00", "20.00")])
    make_rates(CURRENCY)
    yield
    connection.set_schema_to_public()
    Subscription.objects.exclude(pk__in=subscriptions_before).delete()
    PricingTier.objects.filter(currency=CURRENCY).delete()  # issued invoices keep their snapshot
    TaxRate.objects.filter(currency=CURRENCY).delete()


def run_nightly_jobs() -> list[dict[str, Any]]:
    scheduler = RecordingScheduler(app=app, lazy=True)
    scheduler.sent = []
    scheduler.setup_schedule()
    reports = []
    for name in BILLING_ENTRIES:
        entry = scheduler.schedule[name]
        assert entry.options["headers"]["_schema_name"] == "public"
        scheduler.apply_entry(entry)
        reports.append(scheduler.sent[-1].get(timeout=60))
    return reports


def state(tenants: list[Tenant]) -> tuple[Any, ...]:
    ids = [t.pk for t in tenants]
    return (
        list(Subscription.objects.filter(tenant_id__in=ids).order_by("tenant_id").values()),
        list(Invoice.objects.filter(tenant_id__in=ids).order_by("number").values()),
        list(Tenant.objects.filter(pk__in=ids).order_by("pk").values("status", "suspension_reason")),
        PlatformAuditEntry.objects.filter(tenant_slug__in=[t.slug for t in tenants]).count(),
    )


def nightly_world(
    committed_tenant: Callable[..., TenantCreated], settings: Any
) -> tuple[Tenant, Tenant, Tenant]:
    """Three shops for the nightly jobs: one whose storefronts grew behind the hook's back, one
    beyond its grace period, one past due within it (``committed_billing`` must be in force)."""
    settings.POS_BILLING_TRIAL_DAYS = 14
    settings.POS_BILLING_DUE_DAYS = 7
    settings.POS_BILLING_GRACE_DAYS = 7
    today = billing_today()
    grows, owes_long, owes_a_bit = (committed_tenant(currency=CURRENCY).tenant for _ in range(3))

    # Trial ended 6 days ago; 3 storefronts through the service (the hook counts them), then a 4th
    # written around it, which only the daily validation can notice.
    subscription_ensure(tenant=grows, started_on=today - timedelta(days=20))
    add_storefronts(grows, 3)
    with tenant_context(grows):
        Storefront.objects.create(code="SIDE", name="Opened without the service")
    # Invoiced 26 days ago, due 19 days ago: beyond the grace period.
    subscription_ensure(tenant=owes_long, started_on=today - timedelta(days=40))
    add_storefronts(owes_long, 1)
    invoice_issue(tenant_id=owes_long.pk, today=today - timedelta(days=26))
    # Invoiced 10 days ago, due 3 days ago: past due, within the grace period.
    subscription_ensure(tenant=owes_a_bit, started_on=today - timedelta(days=24))
    add_storefronts(owes_a_bit, 2)
    invoice_issue(tenant_id=owes_a_bit.pk, today=today - timedelta(days=10))
    assert Subscription.objects.get(tenant=grows).storefront_count == 3
    return grows, owes_long, owes_a_bit


def test_the_nightly_jobs_through_beat_a_worker_and_redis_then_again(
    committed_tenant: Callable[..., TenantCreated], committed_billing: None, settings: Any
) -> None:
    grows, owes_long, owes_a_bit = nightly_world(committed_tenant, settings)
    today = billing_today()

    with start_worker(app, perform_ping_check=False, shutdown_timeout=30):
        validated, issued, dunned = run_nightly_jobs()
        after_first = state([grows, owes_long, owes_a_bit])
        again = run_nightly_jobs()
        after_second = state([grows, owes_long, owes_a_bit])

    assert grows.slug in validated["corrected"]
    assert (
        PlatformAuditEntry.objects.filter(
            action="billing.subscription.corrected", tenant_slug=grows.slug
        ).count()
        == 1
    )
    invoice = Invoice.objects.get(tenant=grows)
    assert issued["issued"] == [invoice.number]
    assert (invoice.storefront_count, invoice.base_amount, invoice.issued_on) == (4, 150, today)
    # 150.00 + VAT 22.50 + NHIL 3.75 + GETFund 3.75 + COVID 1.50 + gateway 3.00
    assert str(invoice.total) == "184.50"
    assert dunned == {"past_due": [owes_a_bit.slug], "suspended": [owes_long.slug]}
    owes_long.refresh_from_db()
    assert (owes_long.status, owes_long.suspension_reason) == ("suspended", "non_payment")
    assert Subscription.objects.get(tenant=owes_a_bit).status == "past_due"

    assert (again[0]["created"], again[0]["corrected"], again[0]["repriced"]) == (0, [], [])
    assert again[1] == {"issued": [], "unpriced": []}
    assert again[2] == {"past_due": [], "suspended": []}
    assert after_second == after_first
