"""The read-only billing API: who may read, tenant isolation, and nothing a client sends is taken
as a plan, a tier, an amount or a storefront count."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.billing.models import Invoice, PricingTier, Subscription, TaxRate
from shared_apps.tenants.models import Tenant
from tests.billing.conftest import billed_tenant, issue
from tests.conftest import Member, api_client

SUBSCRIPTION = "/api/v1/billing/subscription"
INVOICES = "/api/v1/billing/invoices"


@pytest.fixture
def billed_a(tenant_a: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate]) -> Invoice:
    billed_tenant(tenant_a, storefronts=2, days_ago=20)
    return issue(tenant_a)


@pytest.fixture
def billed_b(tenant_b: Tenant, ghs_tiers: list[PricingTier], ghana_rates: list[TaxRate]) -> Invoice:
    billed_tenant(tenant_b, storefronts=1, days_ago=20)
    return issue(tenant_b)


def world() -> tuple[Any, ...]:
    return (
        list(Invoice.objects.order_by("pk").values()),
        list(Subscription.objects.order_by("pk").values()),
        list(PricingTier.objects.order_by("pk").values()),
        PlatformAuditEntry.objects.count(),
    )


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_read_the_subscription(
    billed_a: Invoice, tenant_a: Tenant, make_member: Callable[..., Member], role: str
) -> None:
    member = make_member(tenant_a, role)

    response = member.client.get(SUBSCRIPTION)

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "trialing"
    assert (body["storefront_count"], body["billable_storefronts"]) == (2, 2)
    assert body["next_invoice_base_amount"] == "240.00"
    assert body["tier"] == {
        "currency": "GHS",
        "min_storefronts": 1,
        "max_storefronts": 3,
        "base_price": "180.00",
        "price_per_additional": "60.00",
    }
    assert body["open_invoice"]["number"] == billed_a.number
    assert body["open_invoice"]["total"] == "295.20"


def test_invoices_list_and_detail_show_the_lines_as_issued(
    billed_a: Invoice, tenant_a: Tenant, make_member: Callable[..., Member]
) -> None:
    owner = make_member(tenant_a, "owner")

    listing = owner.client.get(INVOICES)
    detail = owner.client.get(f"{INVOICES}/{billed_a.pk}")

    assert listing.status_code == 200
    assert listing.json()["count"] == 1
    assert [i["number"] for i in listing.json()["results"]] == [billed_a.number]
    body = detail.json()
    assert (body["base_amount"], body["tax_amount"], body["charge_amount"], body["total"]) == (
        "240.00",
        "50.40",
        "4.80",
        "295.20",
    )
    assert [t["amount"] for t in body["taxes"]] == ["2.40", "6.00", "6.00", "36.00"]
    assert body["charges"] == [
        {
            "code": "gateway",
            "name": "Payment gateway charge",
            "rate_percent": "2",
            "basis": "base_amount",
            "amount": "4.80",
        }
    ]
    assert body["tier"]["min_storefronts"] == 1
    assert "id" not in body["tier"]
    assert (body["status"], body["storefront_count"], body["reference"]) == ("open", 2, billed_a.reference)


@pytest.mark.parametrize("role", ["manager", "cashier"])
@pytest.mark.parametrize("path", [SUBSCRIPTION, INVOICES, "invoice"])
def test_managers_and_cashiers_are_refused(
    billed_a: Invoice, tenant_a: Tenant, make_member: Callable[..., Member], role: str, path: str
) -> None:
    member = make_member(tenant_a, role)
    before = world()

    response = member.client.get(f"{INVOICES}/{billed_a.pk}" if path == "invoice" else path)

    assert (response.status_code, response.json()["code"]) == (403, "permission_denied")
    assert world() == before


@pytest.mark.parametrize("path", [SUBSCRIPTION, INVOICES])
def test_anonymous_requests_are_refused(billed_a: Invoice, path: str) -> None:
    response = api_client("alpha").get(path)

    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_a_credential_of_tenant_a_is_useless_at_tenant_b(
    billed_a: Invoice, billed_b: Invoice, tenant_a: Tenant, make_member: Callable[..., Member]
) -> None:
    owner_a = make_member(tenant_a, "owner")
    at_b = api_client("beta")
    at_b.credentials(HTTP_AUTHORIZATION=f"Bearer {owner_a.token}")

    for path in (SUBSCRIPTION, INVOICES, f"{INVOICES}/{billed_b.pk}", f"{INVOICES}/{billed_a.pk}"):
        response = at_b.get(path)
        assert response.status_code == 401, path
        assert response.json()["code"] == "authentication_failed"


def test_an_invoice_id_of_tenant_a_is_unknown_at_tenant_b(
    billed_a: Invoice, billed_b: Invoice, tenant_b: Tenant, make_member: Callable[..., Member]
) -> None:
    owner_b = make_member(tenant_b, "owner")

    foreign = owner_b.client.get(f"{INVOICES}/{billed_a.pk}")
    listing = owner_b.client.get(INVOICES)

    assert (foreign.status_code, foreign.json()["code"]) == (404, "invoice_not_found")
    assert [i["number"] for i in listing.json()["results"]] == [billed_b.number]
    assert owner_b.client.get(SUBSCRIPTION).json()["open_invoice"]["number"] == billed_b.number


def test_no_subscription_yet_is_404(tenant_a: Tenant, make_member: Callable[..., Member]) -> None:
    owner = make_member(tenant_a, "owner")

    response = owner.client.get(SUBSCRIPTION)

    assert (response.status_code, response.json()["code"]) == (404, "subscription_not_found")
    assert owner.client.get(INVOICES).json()["results"] == []


MANIPULATIONS = {
    "plan": "enterprise",
    "tier": 1,
    "tier_id": 1,
    "amount": "1.00",
    "total": "1.00",
    "next_invoice_base_amount": "1.00",
    "storefront_count": 1,
    "billable_storefronts": 1,
    "status": "active",
}


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
@pytest.mark.parametrize("path", [SUBSCRIPTION, INVOICES, "invoice"])
def test_posting_a_tier_an_amount_or_a_count_is_refused_and_changes_nothing(
    billed_a: Invoice, tenant_a: Tenant, make_member: Callable[..., Member], method: str, path: str
) -> None:
    owner = make_member(tenant_a, "owner")
    url = f"{INVOICES}/{billed_a.pk}" if path == "invoice" else path
    before = world()

    response = getattr(owner.client, method)(url, data=MANIPULATIONS, format="json")

    assert (response.status_code, response.json()["code"]) == (405, "method_not_allowed")
    assert world() == before


def test_query_parameters_naming_a_tier_an_amount_or_a_count_are_ignored(
    billed_a: Invoice, tenant_a: Tenant, make_member: Callable[..., Member]
) -> None:
    owner = make_member(tenant_a, "owner")
    plain = owner.client.get(SUBSCRIPTION).json()

    tricked = owner.client.get(SUBSCRIPTION, data=MANIPULATIONS).json()

    assert tricked == plain
    assert owner.client.get(INVOICES, data=MANIPULATIONS).json()["results"][0]["total"] == "295.20"


def test_reading_the_subscription_takes_a_fixed_number_of_queries(
    billed_a: Invoice, tenant_a: Tenant, make_member: Callable[..., Member]
) -> None:
    owner = make_member(tenant_a, "owner")
    owner.client.get(SUBSCRIPTION)  # warm the route cache and the token's last-used time

    with CaptureQueriesContext(connection) as queries:
        response = owner.client.get(SUBSCRIPTION)

    assert response.status_code == 200
    # token (with the membership), subscription with its tier, the open invoice
    assert len(queries.captured_queries) == 3, [q["sql"] for q in queries.captured_queries]


def test_the_api_schema_documents_billing(tenant_a: Tenant) -> None:
    schema = api_client("alpha").get("/api/schema/", HTTP_ACCEPT="application/json").json()

    assert {SUBSCRIPTION, INVOICES, INVOICES + "/{invoice_id}"} <= set(schema["paths"])
    assert set(schema["paths"][SUBSCRIPTION]) == {"get"}
