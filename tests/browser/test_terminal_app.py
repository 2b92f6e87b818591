"""The terminal app at /pos/: a trader pairs a phone, signs in with a PIN, sells offline for a
while (reloading the page offline too), and sees every sale reach the server exactly once."""

from __future__ import annotations

import time
import urllib.request
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.core.management import call_command
from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from sync import pins, terminals
from sync.models import Op, Terminal
from tenant_apps.sales.models import Sale
from tests.browser.conftest import BrowserShop, axe_check, screenshot

PIN = "4821"


def set_up_till(shop: BrowserShop, code: str = "T1") -> str:
    """A terminal awaiting pairing and the cashier's PIN; the pairing code."""
    stocked = shop.shop
    with tenant_context(stocked.tenant):
        pairing = terminals.terminal_create(
            storefront_id=stocked.storefront.pk, code=code, name=f"Till {code}", actor=Actor.system("tests")
        )
        pins.cashier_pin_set(
            membership=stocked.cashier.membership, pin=PIN, actor=Actor.of_user(stocked.cashier.user)
        )
    return pairing.code


def pair_and_sign_in(page: Any, url: str, code: str, cashier: str) -> None:
    page.goto(f"{url}/pos/")
    page.get_by_label("Pairing code").fill(code)
    page.get_by_role("button", name="Pair").click()
    page.get_by_label("Cashier").select_option(label=cashier)
    page.get_by_label("PIN").fill(PIN)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#search").wait_for()


def sell(page: Any, sku: str, *, quantity: str | None = None, split: bool = False) -> str:
    """Sell one product; with ``split``, part by mobile money and the rest in cash (with change).
    The receipt number shown."""
    page.locator("#search").fill(sku)
    page.locator(f'button.add[data-sku="{sku}"]').click()
    if quantity is not None:
        page.locator("input.qty").fill(quantity)
        page.locator("input.qty").press("Tab")
    page.locator("#pay").click()
    if split:
        due = Decimal(page.locator("#due").inner_text().split()[-1].replace(",", ""))
        momo = (due / 2).quantize(Decimal("0.01"))
        page.locator('select[name="kind-0"]').select_option("mobile_money")
        page.locator('input[name="amount-0"]').fill(str(momo))
        page.locator('input[name="amount-0"]').press("Tab")
        page.locator('input[name="provider-0"]').fill("MTN")
        page.locator('input[name="provider-0"]').press("Tab")
        page.locator('input[name="reference-0"]').fill("TX123")
        page.locator('input[name="reference-0"]').press("Tab")
        page.locator("#add-payment").click()
        page.locator('input[name="amount-1"]').fill(str((due - momo + 10).quantize(Decimal("1"))))
        page.locator('input[name="amount-1"]').press("Tab")
    page.locator("#complete").click()
    number = page.locator("#receipt-number").inner_text()
    page.locator("#new-sale").click()
    return number


def pending(page: Any) -> int:
    return int(page.locator("[data-pending]").get_attribute("data-pending"))


def device_sales(page: Any) -> list[dict[str, Any]]:
    return page.evaluate(
        """() => new Promise((resolve, reject) => {
            const open = indexedDB.open('pos-terminal');
            open.onsuccess = () => {
                const r = open.result.transaction('sales').objectStore('sales').getAll();
                r.onsuccess = () => resolve(r.result);
                r.onerror = () => reject(r.error);
            };
        })"""
    )


def wait_until(page: Any, expression: str, timeout: float = 30) -> None:
    """Poll ``expression`` in the page (CDP evaluation: the app's CSP forbids eval in the page)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if page.evaluate(expression):
                return
        except Exception as exc:  # the page navigated meanwhile: ask the new one
            if "context was destroyed" not in str(exc):
                raise
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(200)


def test_pair_sign_in_sell_offline_reload_and_every_sale_reaches_the_server_once(
    browser: Any, live_url: Callable[[str], str], browser_tenant: Callable[..., BrowserShop]
) -> None:
    shop = browser_tenant(stock=True)
    url = live_url(shop.tenant.slug)
    code = set_up_till(shop)
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="en-GB"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()

    # Pair and sign in; the service worker takes the app over for offline use.
    pair_and_sign_in(page, url, code, shop.shop.cashier.user.email)
    wait_until(page, "navigator.serviceWorker.controller !== null")
    axe_check(page)

    # Offline: 30 sales, every other one split between mobile money and cash with change.
    context.set_offline(True)
    numbers = [
        sell(page, ("RICE", "WATER", "SOAP")[i % 3], quantity="1.5" if i % 3 == 1 else None, split=i % 2 == 0)
        for i in range(30)
    ]
    assert pending(page) == 30
    assert page.locator("[data-online]").get_attribute("data-online") == "0"
    screenshot(page, "terminal-sell-offline")

    # Reload while offline: the service worker serves the app, the queue is still there.
    page.reload()
    page.locator("#search").wait_for()
    assert pending(page) == 30
    numbers += [sell(page, "RICE", split=i % 2 == 1) for i in range(10)]
    assert pending(page) == 40
    axe_check(page)

    # Online, the page is closed while its upload is on the way: the server applies the batch
    # but its answer never reaches the page.
    applied: list[int] = []

    def lose_the_answer(route: Any) -> None:
        # Sent on to the server from here (Chromium's own resolver is the one that knows
        # *.localhost); the page never gets an answer.
        request = route.request
        parts = urlsplit(request.url)
        forwarded = urllib.request.Request(
            f"http://127.0.0.1:{parts.port}{parts.path}",
            data=request.post_data_buffer,
            headers={k: v for k, v in request.headers.items() if k.lower() != "content-length"}
            | {"Host": parts.netloc},
            method="POST",
        )
        with urllib.request.urlopen(forwarded) as answer:  # noqa: S310 - the loopback live server
            applied.append(answer.status)

    context.route("**/api/v1/sync/push", lose_the_answer)
    context.set_offline(False)
    deadline = time.monotonic() + 30
    while not applied:
        assert time.monotonic() < deadline, "no upload started"
        page.wait_for_timeout(100)
    page.close()
    context.unroute("**/api/v1/sync/push")

    # Opened again: the batch is sent again as it was and answered from the server's store.
    page = context.new_page()
    page.goto(f"{url}/pos/")
    page.locator('[data-pending="0"]').wait_for(timeout=60_000)

    device = {s["receipt_number"]: s for s in device_sales(page)}
    with tenant_context(shop.tenant):
        terminal = Terminal.objects.get(code="T1")
        held = {s.receipt_number: s for s in Sale.objects.filter(terminal_id=terminal.pk)}
        ops = Op.objects.filter(terminal=terminal).count()
    assert applied == [200]
    assert len(numbers) == len(set(numbers)) == 40
    assert sorted(held) == sorted(numbers) == sorted(device)
    assert ops == 40
    for number, sale in held.items():
        assert Decimal(device[number]["total"]) == sale.total, number
        assert Decimal(device[number]["change"]) == sale.change_total, number
        assert device[number]["status"] == "applied"
        assert device[number]["receipt_url"].endswith(
            "".join(["/r/", device[number]["receipt_url"].rsplit("/", 1)[1]])
        )
    call_command("tenant", "reconcile", shop.tenant.slug)  # exits 1 when the books do not balance
    context.close()
