"""Invoices: the acceptance vector, frozen once issued, one per period, billing the high-water mark
of active storefronts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from django.db import IntegrityError, transaction

from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.billing.errors import NoPricingTier
from shared_apps.billing.models import Invoice, PricingTier, Subscription, TaxRate
from shared_apps.billing.services.invoices import invoice_issue, invoices_issue_due
from shared_apps.billing.services.subscriptions import billing_today, subscriptions_validate
from shared_apps.billing.services.taxes import tax_rate_create
from shared_apps.tenants.models import Tenant
from tests.billing.conftest import add_storefronts, billed_tenant, bypass_set_active, issue

TODAY = billing_today()


def test_the_acceptance_vector(
    tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate], settings: Any
) -> None:
    settings.POS_BILLING_DUE_DAYS = 7
    sub = billed_tenant(tenant_a, storefronts=1, days_ago=20)

    invoice = issue(tenant_a)

    assert (invoice.currency, invoice.storefront_count) == ("GHS", 1)
    assert (invoice.base_amount, invoice.tax_amount, invoice.charge_amount, invoice.total) == (
        Decimal("180.00"),
        Decimal("37.80"),
        Decimal("3.60"),
        Decimal("221.40"),
    )
    assert (invoice.period_start, invoice.issued_on, invoice.due_on) == (
        sub.period_end,
        TODAY,
        TODAY + timedelta(7),
    )
    # The first paid period starts where the trial ended and lasts a calendar month.
    assert sub.anchor_on == sub.period_end
    assert invoice.period_end == sub.anchor_on + relativedelta(months=1)
    snap = invoice.snapshot
    assert snap["tier"] == {
        "id": ghs_tiers[0].pk,
        "currency": "GHS",
        "min_storefronts": 1,
        "max_storefronts": 3,
        "base_price": "180.00",
        "price_per_additional": "60.00",
    }
    assert snap["storefronts"] == {"active_at_issue": 1, "peak_since_last_invoice": 1, "billed": 1}
    assert [(t["code"], t["rate_percent"], t["amount"]) for t in snap["taxes"]] == [
        ("covid19", "1", "1.80"),
        ("getfund", "2.5", "4.50"),
        ("nhil", "2.5", "4.50"),
        ("vat", "15", "27.00"),
    ]
    assert {t["basis"] for t in snap["taxes"] + snap["charges"]} == {"base_amount"}
    assert [(c["code"], c["rate_percent"], c["amount"]) for c in snap["charges"]] == [
        ("gateway", "2", "3.60")
    ]
    assert (snap["base_amount"], snap["total"]) == ("180.00", "221.40")
    assert snap["rounding"] == {"mode": "ROUND_HALF_UP", "decimals": 2, "applied": "per line"}
    assert invoice.number.startswith("INV-")
    assert PlatformAuditEntry.objects.filter(action="billing.invoice.issued", tenant_slug="alpha").exists()


def test_a_rate_change_after_issue_leaves_the_issued_invoice_as_it_was(
    tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate]
) -> None:
    billed_tenant(tenant_a, storefronts=1, days_ago=20)
    invoice = issue(tenant_a)
    issued = Invoice.objects.filter(pk=invoice.pk).values().get()

    tax_rate_create(code="vat", name="VAT", rate="20", effective_from=TODAY, actor="tests")
    tax_rate_create(
        code="gateway", name="Gateway", rate="3", kind="service_charge", effective_from=TODAY, actor="t"
    )

    assert Invoice.objects.filter(pk=invoice.pk).values().get() == issued
    assert str(Invoice.objects.get(pk=invoice.pk).total) == "221.40"


def test_the_next_invoice_uses_the_rates_in_effect_on_its_day(
    tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate]
) -> None:
    billed_tenant(tenant_a, storefronts=1, days_ago=20)
    first = issue(tenant_a)
    tax_rate_create(code="covid19", name="COVID-19 levy", rate="0", effective_from=TODAY, actor="tests")
    Subscription.objects.filter(tenant=tenant_a).update(
        period_start=first.period_start, period_end=first.period_end
    )

    second = issue(tenant_a, today=first.period_end)

    assert [t["code"] for t in second.snapshot["taxes"]] == ["getfund", "nhil", "vat"]
    assert second.total == Decimal("219.60")
    assert first.total == Decimal("221.40")


@pytest.mark.parametrize(
    "change",
    [
        {"total": Decimal("1.00")},
        {"base_amount": Decimal("1.00"), "total": Decimal("42.00")},
        {"storefront_count": 1000},
        {"snapshot": {}},
        {"currency": "USD"},
        {"due_on": TODAY + timedelta(days=365)},
        {"number": "INV-X"},
    ],
)
def test_the_database_refuses_to_change_an_issued_invoice(
    tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate], change: dict[str, Any]
) -> None:
    billed_tenant(tenant_a, storefronts=1, days_ago=20)
    invoice = issue(tenant_a)
    issued = Invoice.objects.filter(pk=invoice.pk).values().get()

    with pytest.raises(IntegrityError, match="cannot change"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(**change)

    assert Invoice.objects.filter(pk=invoice.pk).values().get() == issued


def test_the_database_refuses_to_delete_an_invoice_or_unpay_it(
    tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate]
) -> None:
    from django.utils import timezone

    billed_tenant(tenant_a, storefronts=1, days_ago=20)
    invoice = issue(tenant_a)

    with pytest.raises(IntegrityError, match="cannot be deleted"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).delete()
    Invoice.objects.filter(pk=invoice.pk).update(status="paid", paid_at=timezone.now())
    with pytest.raises(IntegrityError, match="is paid"), transaction.atomic():
        Invoice.objects.filter(pk=invoice.pk).update(status="open", paid_at=None)
    assert Invoice.objects.get(pk=invoice.pk).status == "paid"


def test_an_invoice_is_issued_once_per_period(
    tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate]
) -> None:
    billed_tenant(tenant_a, storefronts=2, days_ago=20)
    first = issue(tenant_a)

    assert invoice_issue(tenant_id=tenant_a.pk) is None
    assert invoices_issue_due().issued == []
    assert Invoice.objects.filter(tenant=tenant_a).count() == 1
    # The database keeps it to one even for code that skips the check.
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.create(
            **{
                **{f: getattr(first, f) for f in ("tenant_slug", "currency", "period_start", "period_end")},
                "tenant": tenant_a,
                "number": "INV-DUP",
                "reference": "dup",
                "issued_on": TODAY,
                "due_on": TODAY,
                "storefront_count": 1,
                "base_amount": 1,
                "tax_amount": 0,
                "charge_amount": 0,
                "total": 1,
                "snapshot": {},
            }
        )


def test_no_invoice_before_the_period_ends(tenant_a: Tenant, ghs_tiers: list[PricingTier]) -> None:
    billed_tenant(tenant_a, storefronts=1, days_ago=3)

    assert invoice_issue(tenant_id=tenant_a.pk) is None
    assert invoices_issue_due().issued == []


def test_an_unpriceable_tenant_is_reported_and_nothing_is_written(
    tenant_a: Tenant, tenant_b: Tenant, ghs_tiers: list[PricingTier]
) -> None:
    billed_tenant(tenant_a, storefronts=1, days_ago=20)
    billed_tenant(tenant_b, storefronts=1, days_ago=20)
    Tenant.objects.filter(pk=tenant_a.pk).update(currency="KES")
    Subscription.objects.filter(tenant=tenant_a).update(currency="KES")

    with pytest.raises(NoPricingTier):
        invoice_issue(tenant_id=tenant_a.pk)
    report = invoices_issue_due()

    assert report.unpriced == ["alpha"]
    assert len(report.issued) == 1
    assert not Invoice.objects.filter(tenant=tenant_a).exists()


def test_deactivating_storefronts_mid_period_bills_the_peak_next_then_the_new_count(
    tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate]
) -> None:
    """5 storefronts at the start of the period, 2 deactivated mid-period (without the hook: the
    daily job must notice): the next invoice bills the 5 the period had, the one after it 3."""
    billed_tenant(tenant_a, storefronts=5, days_ago=20)
    bypass_set_active(tenant_a, active=False, count=2)

    report = subscriptions_validate()
    first = issue(tenant_a)

    assert report.corrected == ["alpha"]
    assert (first.storefront_count, first.base_amount) == (5, Decimal("350.00"))
    sub = Subscription.objects.get(tenant=tenant_a)
    assert (sub.storefront_count, sub.peak_storefront_count, sub.amount) == (3, 3, Decimal("300.00"))

    Subscription.objects.filter(pk=sub.pk).update(
        period_start=first.period_start, period_end=first.period_end
    )
    second = issue(tenant_a, today=first.period_end)

    assert (second.storefront_count, second.base_amount) == (3, Decimal("300.00"))


def test_storefronts_added_without_the_hook_are_billed_after_the_daily_job(
    tenant_a: Tenant, ghs_tiers: list[PricingTier]
) -> None:
    billed_tenant(tenant_a, storefronts=2, days_ago=20)
    add_storefronts(tenant_a, 10, prefix="X")  # no hook inside the test's transaction

    subscriptions_validate()

    assert Subscription.objects.get(tenant=tenant_a).storefront_count == 12
    invoice = issue(tenant_a)
    assert (invoice.storefront_count, invoice.base_amount) == (12, Decimal("690.00"))


def test_deactivating_storefronts_just_before_the_invoice_does_not_lower_it(
    tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate]
) -> None:
    """The old plan-picking bug, tried with storefronts: 15 active all period, 12 switched off the
    night before the invoice. The invoice still bills 15."""
    billed_tenant(tenant_a, storefronts=15, days_ago=20)
    bypass_set_active(tenant_a, active=False, count=12)

    invoice = issue(tenant_a)

    assert invoice.storefront_count == 15
    assert invoice.base_amount == Decimal("810.00")  # 650 + (15 - 11) x 40
    assert invoice.snapshot["storefronts"] == {
        "active_at_issue": 3,
        "peak_since_last_invoice": 15,
        "billed": 15,
    }


def test_code_cannot_change_or_delete_an_issued_invoice_either(
    tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate]
) -> None:
    from shared_apps.billing.errors import InvoiceImmutable

    billed_tenant(tenant_a, storefronts=1, days_ago=20)
    invoice = issue(tenant_a)
    issued = Invoice.objects.filter(pk=invoice.pk).values().get()

    invoice.total = Decimal("1.00")
    with pytest.raises(InvoiceImmutable):
        invoice.save()
    with pytest.raises(InvoiceImmutable):
        invoice.save(update_fields=["total", "status"])
    with pytest.raises(InvoiceImmutable):
        invoice.delete()

    assert Invoice.objects.filter(pk=invoice.pk).values().get() == issued
