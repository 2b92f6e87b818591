"""A shop owner's day in the back office, on a phone in Chromium: sign in with the authenticator,
create a product, change its price, receive stock, sell, refund a line, read the dashboard and
the day report, import a CSV and export the sales. What the pages show is compared with what the
API answers and what the database holds; and a form filled and sent with the keyboard alone."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from tests.browser.conftest import BrowserShop, axe_check, screenshot, totp_now


def amount(text: str) -> Decimal:
    """A figure as the page shows it (``GH₵1,234.50``, or negative with a minus sign) as a number."""
    cleaned = re.sub(r"[^\d.\-]", "", text.replace("\N{MINUS SIGN}", "-"))
    return Decimal(cleaned)


def api(shop: BrowserShop, path: str, **params: Any) -> Any:
    """What the API answers the shop's owner (bearer token, the shop's host)."""
    from django.db import connection

    response = shop.shop.owner.client.get(f"/api/v1/{path}", params)
    connection.set_schema_to_public()
    assert response.status_code == 200, response.content[:500]
    return response.json() if response["Content-Type"].startswith("application/json") else response


def sign_in_with_mfa(page: Any, shop: BrowserShop, base: str) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    page.goto(f"{base}/portal/")
    page.wait_for_url("**/portal/login**")
    screenshot(page, "portal-sign-in")
    page.get_by_label("Email").fill(shop.owner.email)
    page.get_by_label("Password").fill(shop.owner_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/portal/otp**")
    axe_check(page)
    screenshot(page, "portal-otp")
    page.get_by_label("Code").fill(totp_now(TOTPDevice.objects.get(user=shop.owner, confirmed=True)))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url(f"{base}/portal/")


def status_text(page: Any) -> str:
    return page.get_by_role("status").first.inner_text()


def test_an_owner_runs_the_day_from_a_phone(
    phone: Any,
    live_url: Callable[[str], str],
    browser_tenant: Callable[..., BrowserShop],
    tmp_path: Any,
) -> None:
    from django.db import connection

    from tenant_apps.catalog.models import Product
    from tenant_apps.inventory.models import StockLevel
    from tenant_apps.sales.models import Sale, SaleEvent

    shop = browser_tenant(stock=True)
    base = live_url(shop.tenant.slug)
    page = phone

    # Sign in: password, then the authenticator's code.
    sign_in_with_mfa(page, shop, base)
    assert page.get_by_role("heading", name="Dashboard", exact=True).is_visible()

    # A new product.
    page.goto(f"{base}/portal/products")
    page.get_by_role("link", name="New product").click()
    page.get_by_label("SKU", exact=True).fill("MANGO")
    page.get_by_label("Name", exact=True).fill("Mango")
    page.get_by_label("Price", exact=True).fill("4.00")
    page.get_by_label("Tax category", exact=True).select_option(label="EXEMPT · Exempt")
    page.get_by_label("Category", exact=True).fill("Fruit")
    page.get_by_label("Reorder level", exact=True).fill("5")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/portal/products/[0-9a-f-]{36}$"))
    assert "Product MANGO created." in status_text(page)
    axe_check(page)
    connection.set_tenant(shop.tenant)
    mango = Product.objects.get(sku="MANGO")
    connection.set_schema_to_public()
    assert (mango.name, mango.category) == ("Mango", "Fruit")

    # Its price goes up; the page and the API agree.
    page.get_by_role("link", name="Change price").click()
    page.get_by_label("New price").fill("4.50")
    page.get_by_role("button", name="Save the price").click()
    page.wait_for_url(f"**/portal/products/{mango.pk}")
    assert "New price saved for MANGO." in status_text(page)
    assert Decimal(api(shop, f"products/{mango.pk}")["price"]) == Decimal("4.50")
    assert "4.50" in page.locator("main").inner_text()

    # A delivery of 20 at Accra Central.
    page.goto(f"{base}/portal/stock/receive")
    page.get_by_label("Storefront").select_option(label="ACC · Accra Central")
    page.locator('[name="lines-0-product"]').fill("MANGO")
    page.locator('[name="lines-0-quantity"]').fill("20")
    page.get_by_role("button", name="Receive", exact=True).click()
    page.wait_for_url("**/portal/stock?storefront=*")
    connection.set_tenant(shop.tenant)
    level = StockLevel.objects.get(product=mango, storefront=shop.shop.storefront)
    connection.set_schema_to_public()
    assert level.quantity == Decimal(20)
    row = page.locator("tr", has_text="Mango")
    assert "20" in row.inner_text()

    # A sale from the back office: 3 mangoes and 2 bags of rice, paid in cash.
    page.goto(f"{base}/portal/sales/new")
    page.get_by_label("Storefront").select_option(label="ACC · Accra Central")
    page.locator('[name="lines-0-product"]').fill("MANGO")
    page.locator('[name="lines-0-quantity"]').fill("3")
    page.get_by_role("button", name="Add a line").click()
    page.locator('[name="lines-1-product"]').fill("RICE")
    page.locator('[name="lines-1-quantity"]').fill("2")
    page.locator('[name="payments-0-method"]').select_option("cash")
    page.locator('[name="payments-0-amount"]').fill("100")
    page.get_by_role("button", name="Record the sale").click()
    page.wait_for_url(re.compile(r"/portal/sales/[0-9a-f-]{36}$"))
    assert "Sale recorded." in status_text(page)
    sale_id = page.url.rsplit("/", 1)[1]
    sale = api(shop, f"sales/{sale_id}")
    assert Decimal(sale["total"]) == Decimal("63.50")  # 3 x 4.50 + 2 x 25.00, tax included
    assert amount(page.locator("[data-sale-total]").inner_text()) == Decimal(sale["total"])
    axe_check(page)

    # One mango comes back, into stock.
    page.get_by_role("link", name="Refund").click()
    page.get_by_label("Mango").fill("1")
    page.get_by_label("Reason").fill("Bruised")
    page.get_by_label("Money returned by").select_option("cash")
    page.get_by_role("button", name="Refund").click()
    page.wait_for_url(f"**/portal/sales/{sale_id}")
    assert "Refund recorded." in status_text(page)
    connection.set_tenant(shop.tenant)
    refund = SaleEvent.objects.get(sale_id=sale_id, kind="refunded")
    level.refresh_from_db()
    connection.set_schema_to_public()
    assert refund.amount == Decimal("4.50")
    assert level.quantity == Decimal(20 - 3 + 1)

    # The dashboard and the day report show what the API answers for today.
    daily = api(shop, "reports/daily")["totals"]
    assert daily["sales_count"] == 1
    page.goto(f"{base}/portal/")
    kpi = {
        key: page.locator(f'[data-kpi="{key}"] [data-value]').inner_text()
        for key in ("net_sales", "sales_count", "refunds")
    }
    assert amount(kpi["net_sales"]) == Decimal(daily["total_after_refunds"]) == Decimal("59.00")
    assert int(kpi["sales_count"]) == daily["sales_count"]
    assert amount(kpi["refunds"]) == Decimal(daily["refunds"]["amount"])
    assert page.get_by_role("heading", name="Top products").is_visible()
    axe_check(page)

    page.goto(f"{base}/portal/reports/day")
    block = page.locator('.day-block[data-storefront="ACC"]')
    assert int(block.locator('[data-figure="sales_count"]').inner_text()) == daily["sales_count"]
    assert amount(block.locator('[data-figure="total"]').inner_text()) == Decimal(daily["total"])
    assert amount(block.locator('[data-figure="refunds"]').inner_text()) == -Decimal(
        daily["refunds"]["amount"]
    )
    assert amount(block.locator('[data-figure="total_after_refunds"]').inner_text()) == Decimal(
        daily["total_after_refunds"]
    )

    # A CSV of two products: one new, one changed.
    upload = tmp_path / "products.csv"
    upload.write_text(
        "sku,name,price,category,tax_category,reorder_level\n"
        "PAWPAW,Pawpaw,7.00,Fruit,EXEMPT,2\n"
        "MANGO,Mango (large),5.00,Fruit,EXEMPT,5\n",
        encoding="utf-8",
    )
    page.goto(f"{base}/portal/products/import")
    page.get_by_label("CSV file").set_input_files(str(upload))
    page.get_by_role("button", name="Import").click()
    page.wait_for_url(f"{base}/portal/products")
    assert "Imported 2 rows: 1 new products, 1 changed" in status_text(page)
    assert Decimal(api(shop, f"products/{mango.pk}")["price"]) == Decimal("5.00")
    connection.set_tenant(shop.tenant)
    assert Product.objects.get(sku="PAWPAW").name == "Pawpaw"
    connection.set_schema_to_public()

    # The sales of the last 30 days as CSV: the same sales the API lists.
    page.goto(f"{base}/portal/reports")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export sales (CSV)").click()
    with open(download.value.path(), encoding="utf-8") as exported:
        rows = list(csv.DictReader(io.StringIO(exported.read())))
    listed = api(shop, "sales")["results"]
    assert {r["sale_id"] for r in rows} == {s["id"] for s in listed} == {sale_id}
    connection.set_tenant(shop.tenant)
    assert Sale.objects.count() == 1
    connection.set_schema_to_public()


def test_a_form_is_filled_and_sent_with_the_keyboard_alone(
    phone: Any,
    live_url: Callable[[str], str],
    browser_tenant: Callable[..., BrowserShop],
) -> None:
    """Sign-in, the code and a new product, with Tab, typing and Enter only (no clicks)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tenant_apps.catalog.models import Product

    shop = browser_tenant(stock=True)
    base = live_url(shop.tenant.slug)
    page = phone
    keys = page.keyboard

    def tab_to(name: str, limit: int = 60) -> None:
        """Tab forward until the field named ``name`` has the focus (as a person would)."""
        for _ in range(limit):
            keys.press("Tab")
            if page.evaluate("document.activeElement && document.activeElement.name") == name:
                return
        raise AssertionError(f"Tab never reached {name!r}")

    page.goto(f"{base}/portal/login")
    tab_to("email")
    keys.type(shop.owner.email)
    tab_to("password")
    keys.type(shop.owner_password)
    keys.press("Enter")
    page.wait_for_url("**/portal/otp**")
    tab_to("code")
    keys.type(totp_now(TOTPDevice.objects.get(user=shop.owner, confirmed=True)))
    keys.press("Enter")
    page.wait_for_url(f"{base}/portal/")

    page.goto(f"{base}/portal/products/new")
    tab_to("sku")
    keys.type("KBD1")
    tab_to("name")
    keys.type("Keyboard tea")
    tab_to("price")
    keys.type("3.25")
    tab_to("tax_category")
    # A closed <select> takes the first letters of an option: "E" for "EXEMPT · Exempt".
    keys.press("E")
    tab_to("reorder_level")
    keys.press("Control+A")
    keys.type("2")
    keys.press("Enter")
    page.wait_for_url(re.compile(r"/portal/products/[0-9a-f-]{36}$"))
    assert "Product KBD1 created." in status_text(page)

    from django.db import connection

    connection.set_tenant(shop.tenant)
    product = Product.objects.select_related("tax_category").get(sku="KBD1")
    connection.set_schema_to_public()
    assert (product.name, product.reorder_level) == ("Keyboard tea", Decimal(2))
    assert product.tax_category is not None
    assert product.tax_category.code == "EXEMPT"
