"""The terminal app when things go wrong: wrong PINs, a revoked device, two tabs at once, an
oversold product, and a new version deployed while the queue is not empty."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from pos_platform.terminal import views
from sync import terminals
from sync.models import Conflict, Terminal
from tenant_apps.sales.models import Sale
from tests.browser.conftest import BrowserShop, axe_check
from tests.browser.terminal import PIN, Till, pending, sell, sign_in, wait_until


def test_five_wrong_pins_lock_the_cashier_even_after_a_reload(till: Callable[..., Till]) -> None:
    made = till(paired=False)
    page, cashier = made.page, made.cashier_email
    page.goto(f"{made.url}/pos/#code={made.code}")
    assert page.get_by_label("Pairing code").input_value()  # the link carries the code
    page.get_by_role("button", name="Pair").click()
    page.get_by_label("Cashier").select_option(label=cashier)
    wait_until(page, "navigator.serviceWorker.controller !== null")
    made.context.set_offline(True)

    for left in (4, 3, 2, 1):
        page.get_by_label("PIN").fill("0000")
        page.get_by_role("button", name="Sign in").click()
        page.locator("#message").filter(has_text=f"Wrong PIN ({left} tries left).").wait_for()
    page.get_by_label("PIN").fill("0000")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#message").filter(has_text="Locked after 5 wrong PINs").wait_for()
    page.reload()
    page.get_by_label("Cashier").select_option(label=cashier)
    page.get_by_label("PIN").fill(PIN)  # the right one, too late
    page.get_by_role("button", name="Sign in").click()
    page.locator("#message").filter(has_text="Locked after 5 wrong PINs").wait_for()

    assert page.locator("#search").count() == 0
    axe_check(page)


def test_a_revoked_device_says_so_and_keeps_its_unsent_sales_exportable(till: Callable[..., Till]) -> None:
    made = till()
    shop, context, page = made.shop, made.context, made.page
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


def test_two_tabs_sell_and_sync_at_once_without_sharing_a_number_or_sending_twice(
    till: Callable[..., Till],
) -> None:
    made = till()
    first = made.page
    second = made.context.new_page()
    second.goto(f"{made.url}/pos/")
    sign_in(second, made.cashier_email)

    numbers = []
    for _ in range(6):
        numbers.append(sell(first, "RICE"))
        numbers.append(sell(second, "WATER"))
    for page in (first, second):
        page.locator('[data-pending="0"]').wait_for(timeout=60_000)

    with tenant_context(made.shop.tenant):
        held = sorted(Sale.objects.values_list("receipt_number", flat=True))
    assert len(set(numbers)) == 12
    assert held == sorted(numbers)


def test_an_oversold_sale_is_applied_and_shown_as_a_conflict(till: Callable[..., Till]) -> None:
    made = till()
    shop, context, page = made.shop, made.context, made.page
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


def test_a_new_version_waits_for_the_sale_and_keeps_the_queue(
    till: Callable[..., Till], monkeypatch: Any
) -> None:
    made = till()
    shop, context, page = made.shop, made.context, made.page
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


def test_a_price_change_pulled_while_selling_prices_the_next_sale(till: Callable[..., Till]) -> None:
    from tenant_apps.catalog.services import price_set

    made = till()
    shop, page = made.shop, made.page
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


def test_the_receipt_shows_the_shops_header_and_footer_from_the_pull(
    till: Callable[..., Till], browser_tenant: Callable[..., BrowserShop]
) -> None:
    from tenant_apps.shop.services import shop_settings_update

    shop = browser_tenant(stock=True)
    with tenant_context(shop.tenant):
        shop_settings_update(
            actor=Actor.system("tests"),
            receipt_header="12 Ring Road, Osu\nTel 024 000 0000",
            receipt_footer="Goods are returned within 7 days",
        )
    page = till(shop=shop).page

    page.locator("#search").fill("SOAP")
    page.locator('button.add[data-sku="SOAP"]').click()
    page.locator("#pay").click()
    page.locator("#complete").click()
    page.locator("#receipt-number").wait_for()

    assert page.locator("#receipt-header").inner_text() == "12 Ring Road, Osu\nTel 024 000 0000"
    assert page.locator("#receipt-footer").inner_text() == "Goods are returned within 7 days"
    # Rates as people write them, and the moment as in the shop's country (Ghana: day first).
    receipt = page.locator("#receipt").inner_text()
    assert "National Health Insurance Levy 2.5%" in receipt, receipt
    assert "Value Added Tax 15%" in receipt, receipt
    assert "2.5000" not in receipt, receipt
    page.locator('[data-pending="0"]').wait_for(timeout=30_000)
    with tenant_context(shop.tenant):
        sale = Sale.objects.get(receipt_number=page.locator("#receipt-number").inner_text())
    local = sale.occurred_at.astimezone(ZoneInfo("Africa/Accra"))
    assert page.locator("#receipt-when").inner_text().startswith(f"{local.day} {local:%b %Y}"), page.locator(
        "#receipt-when"
    ).inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
