"""The terminal app's voids and refunds: a cashier sells offline, voids one sale with a manager's
PIN (a wrong PIN first: refused, nothing queued) and refunds one line of another; back online the
server holds both events, made under the manager, and the books still balance."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.management import call_command
from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from sync import pins
from tenant_apps.inventory.models import StockLevel
from tenant_apps.sales.models import Sale, SaleEvent
from tests.browser.conftest import BrowserShop, axe_check, screenshot
from tests.browser.terminal import PIN, new_context, pair_and_sign_in, pending, sell, set_up_till, wait_until

MANAGER_PIN = "7390"


def device_ops(page: Any) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open('pos-terminal');
            open.onsuccess = () => {
                const r = open.result.transaction('ops').objectStore('ops').getAll();
                r.onsuccess = () => resolve(r.result.map((row) => row.op));
                r.onerror = () => reject(r.error);
            };
        })"""
    )


def level(shop: BrowserShop, sku: str) -> Decimal:
    assert shop.shop is not None
    return StockLevel.objects.get(product__sku=sku, storefront=shop.shop.storefront).quantity


def open_sale(page: Any, number: str) -> None:
    page.get_by_role("button", name="Menu").click()
    page.locator("#recent-sales").click()
    page.locator("button.sale-row", has_text=number).click()


def approve(page: Any, manager_id: str, pin: str) -> None:
    page.get_by_label("Manager", exact=True).select_option(value=manager_id)
    page.get_by_label("Manager's PIN").fill(pin)


def test_a_cashier_voids_and_refunds_offline_with_a_managers_pin(
    browser: Any, live_url: Callable[[str], str], browser_tenant: Callable[..., BrowserShop]
) -> None:
    shop = browser_tenant(stock=True)
    stocked = shop.shop
    assert stocked is not None
    url = live_url(shop.tenant.slug)
    code = set_up_till(shop)
    with tenant_context(shop.tenant):
        pins.cashier_pin_set(
            membership=stocked.owner.membership, pin=MANAGER_PIN, actor=Actor.of_user(stocked.owner.user)
        )
        before = {sku: level(shop, sku) for sku in ("RICE", "WATER")}
    manager_id = str(stocked.owner.user.pk)
    context = new_context(browser)
    page = context.new_page()
    pair_and_sign_in(page, url, code, stocked.cashier.user.email)
    wait_until(page, "navigator.serviceWorker.controller !== null")

    context.set_offline(True)
    voided = sell(page, "SOAP")
    for sku in ("RICE", "WATER"):  # a sale of two lines
        page.locator("#search").fill(sku)
        page.locator(f'button.add[data-sku="{sku}"]').click()
    page.locator("#pay").click()
    page.locator("#complete").click()
    refunded = page.locator("#receipt-number").inner_text()
    page.locator("#new-sale").click()
    assert pending(page) == 2

    # The void: a wrong manager's PIN is refused and queues nothing.
    open_sale(page, voided)
    axe_check(page)
    page.locator("#void").click()
    page.get_by_label("Reason").fill("Rang up the wrong soap")
    approve(page, manager_id, "0000")
    page.locator("#confirm-void").click()
    page.locator("#message").filter(has_text="Wrong PIN (4 tries left).").wait_for()
    assert len(device_ops(page)) == 2
    assert page.get_by_label("Reason").input_value() == "Rang up the wrong soap"
    axe_check(page)
    approve(page, manager_id, MANAGER_PIN)
    page.locator("#confirm-void").click()
    page.locator("#voided").wait_for()
    assert pending(page) == 3
    assert page.locator("#void").is_disabled()
    assert page.locator("#refund").is_disabled()
    axe_check(page)

    # The refund of one line of the other sale, put back in stock; at most what was sold.
    page.get_by_role("button", name="Back").click()
    page.locator("button.sale-row", has_text=refunded).click()
    page.locator("#refund").click()
    page.locator("#refund-0").fill("2")
    page.get_by_label("Reason").fill("Torn bag")
    approve(page, manager_id, MANAGER_PIN)
    page.locator("#confirm-refund").click()
    page.locator("#message").filter(has_text="At most 1 of Rice can be refunded.").wait_for()
    assert len(device_ops(page)) == 3
    page.locator("#refund-0").fill("1")
    approve(page, manager_id, MANAGER_PIN)
    page.locator("#confirm-refund").click()
    page.locator("#actions li").filter(has_text="Refunded").wait_for()
    assert pending(page) == 4
    axe_check(page)
    screenshot(page, "terminal-refund-offline")
    page.get_by_role("button", name="Français").click()
    page.get_by_role("button", name="Rembourser").wait_for()  # Water is still refundable
    axe_check(page)
    page.get_by_role("button", name="English").click()

    ops = {op["kind"]: op for op in device_ops(page)}
    sale_ops = {op["data"]["receipt_number"]: op for op in device_ops(page) if op["kind"] == "sale"}
    assert sorted(op["seq"] for op in device_ops(page)) == [1, 2, 3, 4]
    assert ops["void"]["data"] == {
        "sale_op_id": sale_ops[voided]["op_id"],
        "cashier_id": manager_id,
        "reason": "Rang up the wrong soap",
    }
    assert ops["refund"]["data"] == {
        "sale_op_id": sale_ops[refunded]["op_id"],
        "cashier_id": manager_id,
        "reason": "Torn bag",
        "lines": [{"line": 0, "quantity": "1"}],
        "restock": True,
    }

    context.set_offline(False)
    page.locator('[data-pending="0"]').wait_for(timeout=60_000)
    page.locator("#actions li[data-state=done]").wait_for(timeout=30_000)
    with tenant_context(shop.tenant):
        events = {
            e.kind: e
            for e in SaleEvent.objects.filter(kind__in=["voided", "refunded"]).select_related("sale")
        }
        assert set(events) == {"voided", "refunded"}
        assert events["voided"].sale.receipt_number == voided
        assert events["refunded"].sale.receipt_number == refunded
        assert {str(e.actor_id) for e in events.values()} == {manager_id}
        assert events["refunded"].restock is True
        assert (
            events["refunded"].amount == Sale.objects.get(receipt_number=refunded).lines.get(position=0).total
        )
        assert level(shop, "RICE") == before["RICE"]  # sold one, refunded it into stock
        assert level(shop, "WATER") == before["WATER"] - 1
    call_command("tenant", "reconcile", shop.tenant.slug)  # exits 1 when the books do not balance
    context.close()


def test_a_manager_signed_in_refunds_without_a_second_pin_and_never_more_than_was_sold(
    browser: Any, live_url: Callable[[str], str], browser_tenant: Callable[..., BrowserShop]
) -> None:
    shop = browser_tenant(stock=True)
    stocked = shop.shop
    assert stocked is not None
    url = live_url(shop.tenant.slug)
    code = set_up_till(shop)
    with tenant_context(shop.tenant):
        pins.cashier_pin_set(
            membership=stocked.owner.membership, pin=PIN, actor=Actor.of_user(stocked.owner.user)
        )
    context = new_context(browser)
    page = context.new_page()
    pair_and_sign_in(page, url, code, stocked.owner.user.email)
    context.set_offline(True)
    number = sell(page, "WATER", quantity="3")

    for quantity in ("2", "1"):
        open_sale(page, number)
        page.locator("#refund").click()
        assert page.locator("fieldset.approval").count() == 0  # the owner's role may refund
        page.locator("#refund-0").fill(quantity)
        page.locator("#restock").uncheck()
        page.get_by_label("Reason").fill("Spilt")
        page.locator("#confirm-refund").click()
        page.locator("#actions li").filter(has_text="Refunded").first.wait_for()
    assert page.locator("#refund").is_disabled()  # all three refunded on this device
    assert page.locator("#void").is_disabled()
    refunds = [
        op["data"] for op in sorted(device_ops(page), key=lambda o: o["seq"]) if op["kind"] == "refund"
    ]
    assert [(r["cashier_id"], r["lines"], r["restock"]) for r in refunds] == [
        (str(stocked.owner.user.pk), [{"line": 0, "quantity": "2"}], False),
        (str(stocked.owner.user.pk), [{"line": 0, "quantity": "1"}], False),
    ]

    context.set_offline(False)
    page.locator('[data-pending="0"]').wait_for(timeout=60_000)
    with tenant_context(shop.tenant):
        events = SaleEvent.objects.filter(kind="refunded", sale__receipt_number=number)
        assert events.count() == 2
        assert not any(e.restock for e in events)
    context.close()
