"""Who may do what in the back office, in Chromium at phone size: a cashier and a manager limited
to one storefront see only what the role table allows them, get a page that says so otherwise,
and a refused write changes nothing; a session of one shop is nobody at another shop's host."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.browser.conftest import BrowserShop, axe_check


@pytest.fixture(scope="module")
def two_storefront_shop(
    browser_tenant: Callable[..., BrowserShop], django_db_blocker: Any
) -> tuple[BrowserShop, dict[str, Any]]:
    """A stocked shop with a sale at each storefront and a manager of Accra Central only."""
    from django.db import connection

    from tenant_apps.sales.services import PaymentInput, SaleLineInput, sale_record
    from tests.conftest import member_make

    shop = browser_tenant(stock=True)
    s = shop.shop
    with django_db_blocker.unblock():
        connection.set_tenant(shop.tenant)
        sales = {}
        for storefront in (s.storefront, s.other_storefront):
            sales[storefront.code] = sale_record(
                storefront_id=storefront.pk,
                cashier_id=s.owner.user.pk,
                lines=[SaleLineInput(s.products["airtime"].pk, Decimal(2))],
                payments=[PaymentInput("cash", Decimal("10.00"))],
            ).sale
        manager = member_make(shop.tenant, "manager", storefront_id=s.storefront.pk)
        connection.set_schema_to_public()
    return shop, {"sales": sales, "manager": manager}


def menu(page: Any) -> set[str]:
    return {t.strip() for t in page.locator("#nav a").all_text_contents()}


def refusal(page: Any) -> str:
    return page.get_by_role("alert").inner_text()


def counts(shop: BrowserShop) -> dict[str, int]:
    from django.db import connection

    from tenant_apps.catalog.models import Product
    from tenant_apps.inventory.models import StockMovement
    from tenant_apps.sales.models import SaleEvent

    connection.set_tenant(shop.tenant)
    found = {
        "products": Product.objects.count(),
        "movements": StockMovement.objects.count(),
        "events": SaleEvent.objects.count(),
    }
    connection.set_schema_to_public()
    return found


def post_form(page: Any, path: str, fields: dict[str, str], token_from: str) -> dict[str, Any]:
    """POST ``fields`` to ``path`` from the page, in its session, with the CSRF token of a form the
    member may open (what a person who typed the URL of a form they are not offered could send):
    ``{"status": ..., "text": ...}``."""
    page.goto(token_from)
    token = page.locator('input[name="csrfmiddlewaretoken"]').first.get_attribute("value")
    return page.evaluate(
        """async ([path, fields]) => {
          const response = await fetch(path, {method: 'POST', body: new URLSearchParams(fields)});
          return {status: response.status, text: await response.text()};
        }""",
        [path, {**fields, "csrfmiddlewaretoken": token}],
    )


def test_a_cashier_sees_only_what_a_cashier_may_do(
    phone: Any,
    two_storefront_shop: tuple[BrowserShop, dict[str, Any]],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    shop, made = two_storefront_shop
    base = live_url(shop.tenant.slug)
    sign_in_session(phone, shop.shop.cashier.user, shop.tenant)

    phone.goto(f"{base}/portal/")
    shown = menu(phone)
    assert {"New sale", "Sales", "Products", "Stock", "Your account"} <= shown
    assert not shown & {"Dashboard", "Reports", "Getting started", "Staff sign-in"}
    assert phone.get_by_role("heading", name="Dashboard", exact=True).count() == 0

    for path, words in (
        ("/portal/reports", "see reports and the dashboard"),
        ("/portal/reports/day", "see reports and the dashboard"),
        ("/portal/reports/sales.csv", "export sales and stock movements"),
        ("/portal/products/new", "add and change products and prices"),
        ("/portal/products/import", "add and change products and prices"),
        ("/portal/stock/receive", "receive deliveries"),
        (f"/portal/sales/{made['sales']['ACC'].pk}/refund", "refund sales"),
        (f"/portal/sales/{made['sales']['ACC'].pk}/void", "void sales"),
    ):
        response = phone.goto(base + path)
        assert response.status == 403, path
        assert refusal(phone) == f"Your role (Cashier) does not allow you to {words}.", path
    axe_check(phone)

    # The cashier's own storefront's sale is there; the other storefront's is not.
    phone.goto(f"{base}/portal/sales?period=today")
    listed = phone.locator("main").inner_text()
    assert made["sales"]["ACC"].receipt_number in listed
    assert made["sales"]["KSI"].receipt_number not in listed
    assert phone.goto(f"{base}/portal/sales/{made['sales']['KSI'].pk}").status == 404

    # Writes sent anyway are refused and change nothing.
    before = counts(shop)
    product = post_form(
        phone,
        "/portal/products/new",
        {"sku": "NOPE", "name": "Nope", "price": "1.00", "unit": "pcs", "reorder_level": "0"},
        token_from=f"{base}/portal/sales/new",
    )
    refund = post_form(
        phone,
        f"/portal/sales/{made['sales']['ACC'].pk}/refund",
        {"reason": "none", "payment_method": "cash"},
        token_from=f"{base}/portal/sales/new",
    )
    assert (product["status"], refund["status"]) == (403, 403)
    assert "does not allow you to add and change products and prices" in product["text"]
    assert counts(shop) == before


def test_a_storefront_manager_is_kept_to_the_storefront(
    phone: Any,
    two_storefront_shop: tuple[BrowserShop, dict[str, Any]],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    shop, made = two_storefront_shop
    base = live_url(shop.tenant.slug)
    accra, kumasi = shop.shop.storefront, shop.shop.other_storefront
    sign_in_session(phone, made["manager"].user, shop.tenant)

    phone.goto(f"{base}/portal/")
    shown = menu(phone)
    assert {"Dashboard", "New sale", "Sales", "Products", "Stock", "Reports"} <= shown
    assert not shown & {"Getting started", "Staff sign-in"}
    assert phone.get_by_role("heading", name="Dashboard", exact=True).is_visible()

    # Only Accra Central's figures and sales.
    phone.goto(f"{base}/portal/sales?period=today")
    listed = phone.locator("main").inner_text()
    assert made["sales"]["ACC"].receipt_number in listed
    assert made["sales"]["KSI"].receipt_number not in listed
    assert phone.goto(f"{base}/portal/sales/{made['sales']['KSI'].pk}").status == 404
    assert phone.goto(f"{base}/portal/sales/{made['sales']['ACC'].pk}").status == 200
    phone.goto(f"{base}/portal/reports/day")
    assert phone.locator(".day-block").evaluate_all("els => els.map(e => e.dataset.storefront)") == ["ACC"]

    for path in (
        f"/portal/?storefront={kumasi.pk}",
        f"/portal/reports/day?storefront={kumasi.pk}",
        f"/portal/stock?storefront={kumasi.pk}",
        f"/portal/sales?storefront={kumasi.pk}",
    ):
        response = phone.goto(base + path)
        assert response.status == 403, path
        assert refusal(phone) == "Your access is limited to another storefront.", path
    axe_check(phone)
    assert phone.goto(f"{base}/portal/products/new").status == 403
    assert refusal(phone) == "Your role (Manager) does not allow you to add and change products and prices."

    # The stock form offers Accra Central only; a delivery booked at Kumasi anyway changes nothing.
    phone.goto(f"{base}/portal/stock/receive")
    offered = phone.get_by_label("Storefront").locator("option").all_text_contents()
    assert [o for o in offered if "·" in o] == [f"{accra.code} · {accra.name}"]
    before = counts(shop)
    response = post_form(
        phone,
        "/portal/stock/receive",
        {
            "storefront": str(kumasi.pk),
            "idempotency_key": "9d1f4c52-93b5-4b43-8a0e-0b9f8e0c1a11",
            "lines-TOTAL_FORMS": "1",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": "RICE",
            "lines-0-quantity": "5",
        },
        token_from=f"{base}/portal/stock/receive",
    )
    assert response["status"] in (400, 403)
    assert counts(shop) == before


def test_a_session_of_one_shop_gets_the_sign_in_page_at_another(
    phone: Any,
    browser_tenant: Callable[..., BrowserShop],
    two_storefront_shop: tuple[BrowserShop, dict[str, Any]],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    from django.conf import settings

    shop_a, _made = two_storefront_shop
    shop_b = browser_tenant()
    sign_in_session(phone, shop_a.shop.owner.user, shop_a.tenant)
    # The same cookie, sent to shop B's host as well.
    cookie = next(c for c in phone.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
    phone.context.add_cookies([{**cookie, "domain": f"{shop_b.tenant.slug}.localhost"}])

    assert phone.goto(f"{live_url(shop_a.tenant.slug)}/portal/").status == 200
    assert phone.get_by_role("heading", name="Dashboard", exact=True).is_visible()
    for path in ("/portal/", "/portal/sales", "/portal/reports/day"):
        phone.goto(live_url(shop_b.tenant.slug) + path)
        assert "/portal/login" in phone.url, path
        assert phone.get_by_role("heading", name="Sign in").is_visible()
        assert shop_a.shop.owner.user.email not in phone.content()
