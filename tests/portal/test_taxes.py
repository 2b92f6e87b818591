"""The tax pages: categories and rates, a rate from a date, ending a rate, the preview of a
sale's taxes with the rules in force; only ``tax.manage`` changes them."""

from __future__ import annotations

from typing import Any

from django.test import Client

from tenant_apps.taxes.models import TaxRate
from tests.conftest import Shop
from tests.portal.conftest import html, portal_client


def preview(client: Client, shop: Shop, sku: str = "RICE") -> str:
    return html(
        client.get("/portal/taxes", {"storefront": str(shop.storefront.pk), "product": sku, "quantity": "1"})
    )


def test_the_page_lists_rates_and_previews_a_sale(shop: Shop, owner_portal: Client) -> None:
    page = preview(owner_portal, shop)

    assert "VAT · Value Added Tax" in page
    assert "NHIL" in page
    assert "data-preview" in page
    assert "GH₵25.00" in page  # rice, tax included


def test_ending_a_rate_changes_the_preview(shop: Shop, owner_portal: Client) -> None:
    vat = TaxRate.objects.get(category=shop.standard, code="VAT")
    before = preview(owner_portal, shop)

    ended = owner_portal.post(f"/portal/taxes/rates/{vat.pk}/end", {"effective_to": "2000-01-01"})
    after = preview(owner_portal, shop)

    assert ended.status_code == 302
    vat.refresh_from_db()
    assert vat.effective_to is not None
    assert "Value Added Tax (15%)" in before
    assert "Value Added Tax (15%)" not in after


def test_a_rate_added_from_a_date_supersedes_the_open_one(shop: Shop, owner_portal: Client) -> None:
    response = owner_portal.post(
        "/portal/taxes/rates/new",
        {
            "category": str(shop.standard.pk),
            "code": "VAT",
            "name": "Value Added Tax",
            "rate": "12.5",
            "compound": "on",
            "position": "4",
            "effective_from": "2000-01-01",
        },
    )

    assert response.status_code == 302
    rates = list(TaxRate.objects.filter(category=shop.standard, code="VAT").order_by("effective_from"))
    assert [str(r.rate) for r in rates] == ["15.0000", "12.5000"]
    assert rates[0].effective_to == rates[1].effective_from
    assert "Value Added Tax (12.5%)" in preview(owner_portal, shop)


def test_a_bad_rate_shows_the_error_and_adds_nothing(shop: Shop, owner_portal: Client) -> None:
    count = TaxRate.objects.count()

    response = owner_portal.post(
        "/portal/taxes/rates/new",
        {
            "category": str(shop.standard.pk),
            "code": "",
            "name": "x",
            "rate": "150",
            "position": "0",
            "effective_from": "x",
        },
    )

    assert response.status_code == 400
    assert TaxRate.objects.count() == count


def test_a_new_category(shop: Shop, owner_portal: Client) -> None:
    response = owner_portal.post("/portal/taxes/categories/new", {"code": "ZERO", "name": "Zero rated"})

    assert response.status_code == 302
    assert "ZERO · Zero rated" in html(owner_portal.get("/portal/taxes"))


def test_a_manager_cannot_change_taxes(shop: Shop, make_member: Any) -> None:
    manager = portal_client(make_member(shop.tenant, "manager"), shop.tenant)
    vat = TaxRate.objects.get(category=shop.standard, code="VAT")

    page = manager.get("/portal/taxes")
    ended = manager.post(f"/portal/taxes/rates/{vat.pk}/end", {"effective_to": "2000-01-01"})

    assert page.status_code == 200  # reading taxes is catalog.view, as in the API
    assert "/portal/taxes/rates/new" not in html(page)
    assert ended.status_code == 403
    vat.refresh_from_db()
    assert vat.effective_to is None


def test_an_unknown_rate_is_not_found(shop: Shop, owner_portal: Client) -> None:
    response = owner_portal.get("/portal/taxes/rates/00000000-0000-4000-8000-000000000000/end")

    assert response.status_code == 404
