"""The terminal app when things go wrong: wrong PINs, a revoked device, two tabs at once, an
oversold product, and a new version deployed while the queue is not empty."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from pos_platform.terminal import views
from sync import terminals
from sync.models import Conflict, Terminal
from tenant_apps.sales.models import Sale
from tests.browser.conftest import BrowserShop, axe_check
from tests.browser.test_terminal_app import PIN, pair_and_sign_in, pending, sell, set_up_till, wait_until


def new_context(browser: Any) -> Any:
    context = browser.new_context(
        viewport={"width": 360, "height": 640},
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    return context


def test_five_wrong_pins_lock_the_cashier_even_after_a_reload(
    browser: Any, live_url: Callable[[str], str], browser_tenant: Callable[..., BrowserShop]
) -> None:
    shop = browser_tenant(stock=True)
    url = live_url(shop.tenant.slug)
    context = new_context(browser)
    page = context.new_page()
    page.goto(f"{url}/pos/#code={set_up_till(shop)}")
    assert page.get_by_label("Pairing code").input_value()  # the link carries the code
    page.get_by_role("button", name="Pair").click()
    page.get_by_label("Cashier").select_option(label=shop.shop.cashier.user.email)
    wait_until(page, "navigator.serviceWorker.controller !== null")
    context.set_offline(True)

    for left in (4, 3, 2, 1):
        page.get_by_label("PIN").fill("0000")
        page.get_by_role("button", name="Sign in").click()
        page.locator("#message").filter(has_text=f"Wrong PIN ({left} tries left).").wait_for()
    page.get_by_label("PIN").fill("0000")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#message").filter(has_text="Locked after 5 wrong PINs").wait_for()
    page.reload()
    page.get_by_label("Cashier").select_option(label=shop.shop.cashier.user.email)
    page.get_by_label("PIN").fill(PIN)  # the right one, too late
    page.get_by_role("button", name="Sign in").click()
    page.locator("#message").filter(has_text="Locked after 5 wrong PINs").wait_for()

    assert page.locator("#search").count() == 0
    axe_check(page)
    context.close()


def test_a_revoked_device_says_so_and_keeps_its_unsent_sales_exportable(
    browser: Any, live_url: Callable[[str], str], browser_tenant: Callable[..., BrowserShop]
) -> None:
    shop = browser_tenant(stock=True)
    url = live_url(shop.tenant.slug)
    context = new_context(browser)
    page = context.new_page()
    pair_and_sign_in(page, url, set_up_till(shop), shop.shop.cashier.user.email)
    context.set_offline(True)
    numbers = [sell(page, "SOAP") for _ in range(2)]
    with tenant_context(shop.tenant):
        terminal = Terminal.objects.get(code="T1")
        terminals.terminal_revoke(terminal_id=terminal.pk, actor=Actor.system("tests"), reason="stolen")

    context.set_offline(False)
    page.get_by_role("alert").filter(has_text="revoked").wait_for(timeout=30_000)
    listed = page.locator("#unsent li").all_inner_texts()
    with page.expect_download() as download:
        page.locator("#export").click()
    exported = json.loads(Path(download.value.path()).read_text())

    assert sorted(n for n in numbers if any(n in line for line in listed)) == sorted(numbers)
    assert sorted(op["data"]["receipt_number"] for op in exported["ops"]) == sorted(numbers)
    assert pending(page) == 2
    with tenant_context(shop.tenant):
        assert not Sale.objects.exists()
    axe_check(page)
    context.close()


def test_two_tabs_sell_and_sync_at_once_without_sharing_a_number_or_sending_twice(
    browser: Any, live_url: Callable[[str], str], browser_tenant: Callable[..., BrowserShop]
) -> None:
    shop = browser_tenant(stock=True)
    url = live_url(shop.tenant.slug)
    context = new_context(browser)
    first = context.new_page()
    pair_and_sign_in(first, url, set_up_till(shop), shop.shop.cashier.user.email)
    second = context.new_page()
    second.goto(f"{url}/pos/")
    second.get_by_label("Cashier").select_option(label=shop.shop.cashier.user.email)
    second.get_by_label("PIN").fill(PIN)
    second.get_by_role("button", name="Sign in").click()

    numbers = []
    for _ in range(6):
        numbers.append(sell(first, "RICE"))
        numbers.append(sell(second, "WATER"))
    for page in (first, second):
        page.locator('[data-pending="0"]').wait_for(timeout=60_000)

    with tenant_context(shop.tenant):
        held = sorted(Sale.objects.values_list("receipt_number", flat=True))
    assert len(set(numbers)) == 12
    assert held == sorted(numbers)
    context.close()


def test_an_oversold_sale_is_applied_and_shown_as_a_conflict(
    browser: Any, live_url: Callable[[str], str], browser_tenant: Callable[..., BrowserShop]
) -> None:
    shop = browser_tenant(stock=True)
    url = live_url(shop.tenant.slug)
    context = new_context(browser)
    page = context.new_page()
    pair_and_sign_in(page, url, set_up_till(shop), shop.shop.cashier.user.email)
    context.set_offline(True)

    number = sell(page, "SOAP", quantity="150")  # 100 in stock: the sale still happens
    context.set_offline(False)
    page.locator('[data-pending="0"]').wait_for(timeout=30_000)
    page.get_by_text("1 with conflicts").wait_for(timeout=30_000)
    page.locator("#search").fill("SOAP")

    with tenant_context(shop.tenant):
        sale = Sale.objects.get(receipt_number=number)
        assert Conflict.objects.filter(sale_id=sale.pk, kind="oversold").count() == 1
    # The level comes with the pull that follows the upload.
    page.locator('button.add[data-sku="SOAP"] .badge.out').wait_for(timeout=30_000)
    assert page.locator('button.add[data-sku="SOAP"] .badge.out').count() == 1
    context.close()


def test_a_new_version_waits_for_the_sale_and_keeps_the_queue(
    browser: Any,
    live_url: Callable[[str], str],
    browser_tenant: Callable[..., BrowserShop],
    monkeypatch: Any,
) -> None:
    shop = browser_tenant(stock=True)
    url = live_url(shop.tenant.slug)
    context = new_context(browser)
    page = context.new_page()
    pair_and_sign_in(page, url, set_up_till(shop), shop.shop.cashier.user.email)
    wait_until(page, "navigator.serviceWorker.controller !== null")
    old = page.locator("html").get_attribute("data-version")
    # Uploads fail for now: the queue stays full.
    context.route("**/api/v1/sync/push", lambda route: route.abort())
    sell(page, "RICE")
    sell(page, "WATER")

    monkeypatch.setattr(views, "app_version", lambda: "next-version")
    page.locator("#search").fill("RICE")
    page.locator('button.add[data-sku="RICE"]').click()  # a sale in progress
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    update = page.get_by_role("button", name="Update")
    update.wait_for(timeout=30_000)
    assert update.is_disabled()
    page.get_by_role("button", name="Remove Rice").click()
    update.click()
    page.wait_for_load_state()
    wait_until(page, "document.documentElement.dataset.version === 'next-version'")

    assert old != "next-version"
    assert pending(page) == 2
    context.unroute("**/api/v1/sync/push")
    page.get_by_role("button", name="Menu").click()
    page.locator("#sync-now").click()
    page.locator('[data-pending="0"]').wait_for(timeout=30_000)
    with tenant_context(shop.tenant):
        assert Sale.objects.count() == 2
        assert sum(s.total for s in Sale.objects.all()) > Decimal(0)
    context.close()


def test_a_price_change_pulled_while_selling_prices_the_next_sale(
    browser: Any, live_url: Callable[[str], str], browser_tenant: Callable[..., BrowserShop]
) -> None:
    from tenant_apps.catalog.services import price_set

    shop = browser_tenant(stock=True)
    url = live_url(shop.tenant.slug)
    context = new_context(browser)
    page = context.new_page()
    pair_and_sign_in(page, url, set_up_till(shop), shop.shop.cashier.user.email)
    page.locator("#search").fill("RICE")
    page.locator('button.add[data-sku="RICE"]').click()  # a sale in progress at the old price
    with tenant_context(shop.tenant):
        price_set(
            product_id=shop.shop.products["rice"].pk, price=Decimal("27.00"), actor=Actor.system("tests")
        )

    page.get_by_role("button", name="Menu").click()
    page.locator("#sync-now").click()
    page.get_by_role("button", name="Back").click()
    page.locator('button.add[data-sku="RICE"] .price').filter(has_text="27.00").wait_for(timeout=30_000)
    page.locator("#cart-total").filter(has_text="27.00").wait_for()  # the sale in progress follows
    page.get_by_role("button", name="Remove Rice").click()
    number = sell(page, "RICE")
    page.locator('[data-pending="0"]').wait_for(timeout=30_000)

    with tenant_context(shop.tenant):
        sale = Sale.objects.get(receipt_number=number)
        assert sale.total == Decimal("27.00")  # prices include tax
        assert not Conflict.objects.filter(sale_id=sale.pk).exists()
    context.close()


def test_the_receipt_shows_the_shops_header_and_footer_from_the_pull(
    browser: Any, live_url: Callable[[str], str], browser_tenant: Callable[..., BrowserShop]
) -> None:
    from tenant_apps.shop.services import shop_settings_update

    shop = browser_tenant(stock=True)
    with tenant_context(shop.tenant):
        shop_settings_update(
            actor=Actor.system("tests"),
            receipt_header="12 Ring Road, Osu\nTel 024 000 0000",
            receipt_footer="Goods are returned within 7 days",
        )
    context = new_context(browser)
    page = context.new_page()
    pair_and_sign_in(page, live_url(shop.tenant.slug), set_up_till(shop), shop.shop.cashier.user.email)

    page.locator("#search").fill("SOAP")
    page.locator('button.add[data-sku="SOAP"]').click()
    page.locator("#pay").click()
    page.locator("#complete").click()
    page.locator("#receipt-number").wait_for()

    assert page.locator("#receipt-header").inner_text() == "12 Ring Road, Osu\nTel 024 000 0000"
    assert page.locator("#receipt-footer").inner_text() == "Goods are returned within 7 days"
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    context.close()
