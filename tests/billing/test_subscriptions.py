"""Subscriptions are priced only from the storefronts the server counts: the hook after every
storefront change, and the daily validation that corrects whatever drifted."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.billing.hooks import storefronts_changed
from shared_apps.billing.models import PricingTier, Subscription
from shared_apps.billing.services.subscriptions import (
    billing_today,
    period_after,
    subscription_ensure,
    subscription_recount,
    subscriptions_validate,
)
from shared_apps.tenants.models import Tenant
from shared_apps.tenants.services import tenant_create
from tenant_apps.storefronts.models import Storefront
from tenant_apps.storefronts.services import storefront_create, storefront_set_active
from tests.billing.conftest import add_storefronts, bypass_set_active


def snapshot(tenant: Tenant) -> tuple[str, int, int, Decimal | None]:
    sub = Subscription.objects.get(tenant=tenant)
    return sub.status, sub.storefront_count, sub.peak_storefront_count, sub.amount


def test_a_subscription_starts_trialing_from_the_tenants_creation(tenant_a: Tenant, settings: Any) -> None:
    settings.POS_BILLING_TRIAL_DAYS = 14

    sub = subscription_ensure(tenant=tenant_a)

    created = tenant_a.created_at.date()
    assert (sub.status, sub.currency) == ("trialing", "GHS")
    assert (sub.period_start, sub.period_end, sub.anchor_on) == (
        created,
        created + timedelta(days=14),
        created + timedelta(days=14),
    )
    assert subscription_ensure(tenant=tenant_a).pk == sub.pk


def test_periods_are_whole_months_from_the_anchor_without_drift() -> None:
    from datetime import date

    anchor = date(2025, 1, 31)
    ends = []
    start = anchor
    for _ in range(4):
        start = period_after(anchor_on=anchor, start=start)
        ends.append(start)

    assert ends == [date(2025, 2, 28), date(2025, 3, 31), date(2025, 4, 30), date(2025, 5, 31)]


def test_the_price_comes_from_the_servers_count_of_active_storefronts(
    tenant_a: Tenant, ghs_tiers: list[PricingTier]
) -> None:
    add_storefronts(tenant_a, 5)
    with tenant_context(tenant_a):
        Storefront.objects.filter(code="S00").update(is_active=False)

    sub = subscription_recount(tenant_id=tenant_a.pk)

    assert (sub.storefront_count, sub.peak_storefront_count) == (4, 4)
    assert sub.tier == ghs_tiers[1]
    assert sub.amount == Decimal("300.00")  # 4 storefronts: the 4-10 tier's base


def test_without_a_covering_tier_the_subscription_is_unpriced(tenant_a: Tenant) -> None:
    add_storefronts(tenant_a, 2)

    sub = subscription_recount(tenant_id=tenant_a.pk)

    assert (sub.storefront_count, sub.tier, sub.amount) == (2, None, None)


def test_the_storefront_hook_recounts_after_commit(
    tenant_a: Tenant,
    ghs_tiers: list[PricingTier],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        first = storefront_create(code="AC1", name="Accra 1")
    assert snapshot(tenant_a) == ("trialing", 1, 1, Decimal("180.00"))

    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        storefront_create(code="AC2", name="Accra 2")
        storefront_create(code="AC3", name="Accra 3")
    assert snapshot(tenant_a) == ("trialing", 3, 3, Decimal("300.00"))

    with tenant_context(tenant_a), django_capture_on_commit_callbacks(execute=True):
        storefront_set_active(storefront_id=first.pk, active=False)
    # Fewer active now; the next invoice still bills the most that were active at once.
    assert snapshot(tenant_a) == ("trialing", 2, 3, Decimal("300.00"))


def test_the_hook_is_safe_to_run_twice(tenant_a: Tenant, ghs_tiers: list[PricingTier]) -> None:
    add_storefronts(tenant_a, 4)
    storefronts_changed(tenant_id=tenant_a.pk)
    state = (snapshot(tenant_a), PlatformAuditEntry.objects.count())

    storefronts_changed(tenant_id=tenant_a.pk)

    assert (snapshot(tenant_a), PlatformAuditEntry.objects.count()) == state


def test_a_failing_hook_never_fails_the_storefront_change(db: None, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR, logger="shared_apps.billing.hooks"):
        storefronts_changed(tenant_id=987654321)

    assert "could not recount the storefronts of tenant 987654321" in caplog.text


def test_a_tier_change_is_audited(tenant_a: Tenant, ghs_tiers: list[PricingTier]) -> None:
    add_storefronts(tenant_a, 3)
    subscription_recount(tenant_id=tenant_a.pk)
    add_storefronts(tenant_a, 1)

    subscription_recount(tenant_id=tenant_a.pk)

    entry = PlatformAuditEntry.objects.get(
        action="billing.subscription.tier_changed", details__to__min_storefronts=4
    )
    assert entry.tenant_slug == "alpha"
    assert entry.details["from"]["min_storefronts"] == 1
    assert entry.details["billable_storefronts"] == 4


def test_daily_validation_corrects_a_drifted_count_and_audits_it(
    tenant_a: Tenant, tenant_b: Tenant, ghs_tiers: list[PricingTier]
) -> None:
    add_storefronts(tenant_a, 3)
    subscription_recount(tenant_id=tenant_a.pk)
    bypass_set_active(tenant_a, active=False, count=2)  # no hook ran
    assert snapshot(tenant_a)[1] == 3

    report = subscriptions_validate()

    assert report.corrected == ["alpha"]
    assert report.created >= 1  # beta had none yet
    assert "beta" in report.repriced
    assert snapshot(tenant_a) == ("trialing", 1, 3, Decimal("300.00"))
    assert snapshot(tenant_b) == ("trialing", 0, 0, Decimal("180.00"))
    entry = PlatformAuditEntry.objects.get(action="billing.subscription.corrected", tenant_slug="alpha")
    assert entry.actor == "system:billing"
    assert entry.details["before"]["storefront_count"] == 3
    assert entry.details["after"]["storefront_count"] == 1


def test_daily_validation_twice_changes_nothing_more(tenant_a: Tenant, ghs_tiers: list[PricingTier]) -> None:
    add_storefronts(tenant_a, 2)
    subscriptions_validate()
    state = (
        list(Subscription.objects.order_by("pk").values()),
        PlatformAuditEntry.objects.count(),
    )

    report = subscriptions_validate()

    assert (report.created, report.corrected, report.repriced) == (0, [], [])
    assert (list(Subscription.objects.order_by("pk").values()), PlatformAuditEntry.objects.count()) == state


def test_daily_validation_reprices_after_a_price_change(
    tenant_a: Tenant, ghs_tiers: list[PricingTier]
) -> None:
    from shared_apps.billing.services.tiers import tier_create

    add_storefronts(tenant_a, 2)
    subscription_recount(tenant_id=tenant_a.pk)
    tier_create(
        min_storefronts=1,
        max_storefronts=3,
        base_price="200",
        price_per_additional="70",
        replace=True,
        actor="t",
    )

    subscriptions_validate()

    assert snapshot(tenant_a)[3] == Decimal("270.00")


def test_daily_validation_counts_storefronts_in_bulk(tenant_a: Tenant, ghs_tiers: list[PricingTier]) -> None:
    """The number of queries does not grow with the number of tenants (nothing to correct)."""
    subscriptions_validate()
    with CaptureQueriesContext(connection) as few:
        subscriptions_validate()
    for i in range(3):
        tenant_create(slug=f"bulk-{i}", name=f"Bulk {i}", owner_email=f"o{i}@bulk.test", actor="tests")
    subscriptions_validate()
    with CaptureQueriesContext(connection) as more:
        report = subscriptions_validate()

    assert report.tenants == Tenant.objects.count() >= 5
    assert len(more.captured_queries) == len(few.captured_queries)


def test_a_cancelled_subscription_is_left_alone(tenant_a: Tenant, ghs_tiers: list[PricingTier]) -> None:
    sub = subscription_ensure(tenant=tenant_a)
    Subscription.objects.filter(pk=sub.pk).update(status="cancelled")
    add_storefronts(tenant_a, 2)

    report = subscriptions_validate()

    assert "alpha" not in report.corrected
    assert snapshot(tenant_a)[:2] == ("cancelled", 0)


def test_a_trial_of_a_subscription_started_earlier(tenant_a: Tenant) -> None:
    started = billing_today() - timedelta(days=30)

    sub = subscription_ensure(tenant=tenant_a, started_on=started)

    assert (sub.period_start, sub.period_end) == (started, started + timedelta(days=14))


def test_the_first_count_of_a_new_subscription_is_not_a_correction(
    tenant_a: Tenant, ghs_tiers: list[PricingTier]
) -> None:
    add_storefronts(tenant_a, 5)  # before any subscription existed
    audit = PlatformAuditEntry.objects.count()

    report = subscriptions_validate()

    assert "alpha" in report.repriced
    assert "alpha" not in report.corrected
    assert snapshot(tenant_a) == ("trialing", 5, 5, Decimal("350.00"))
    assert Subscription.objects.get(tenant=tenant_a).priced_at is not None
    assert PlatformAuditEntry.objects.count() == audit
