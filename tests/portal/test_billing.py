"""The billing pages: the subscription, invoices with their tax lines as issued, a printable
invoice, past due and suspension in plain words; owners and admins only (``billing.view``)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tests.billing.conftest import billed_tenant, issue, make_rates, make_tiers
from tests.conftest import Shop
from tests.portal.conftest import html, portal_client


def test_an_owner_reads_the_subscription_and_an_invoice(shop: Shop, owner_portal: Client) -> None:
    make_tiers()
    make_rates()
    billed_tenant(shop.tenant, storefronts=2)
    invoice = issue(shop.tenant)

    billing = html(owner_portal.get("/portal/billing"))
    page = html(owner_portal.get(f"/portal/billing/invoices/{invoice.pk}"))

    assert invoice.number in billing
    assert "the shop is suspended" in billing
    assert "NHIL" in page
    assert "VAT" in page
    assert invoice.reference in page
    assert "data-print" in page


def test_a_manager_cannot_see_billing(shop: Shop, make_member: Any) -> None:
    manager = portal_client(make_member(shop.tenant, "manager"), shop.tenant)

    assert manager.get("/portal/billing").status_code == 403


def test_another_shops_invoice_is_not_found(
    shop: Shop, owner_portal: Client, tenant_b: Any, make_member: Any
) -> None:
    make_tiers()
    make_rates()
    billed_tenant(shop.tenant, storefronts=2)
    invoice = issue(shop.tenant)
    other = portal_client(make_member(tenant_b, "owner"), tenant_b)

    response = other.get(f"/portal/billing/invoices/{invoice.pk}")

    assert response.status_code == 404
    assert invoice.number not in html(response)
