"""The steps of the terminal app's browser tests: a till set up for a stocked browser shop, pairing,
a cashier's sign-in, a sale, and reading what the device holds. The ``till`` fixture
(tests/browser/conftest.py) puts the usual ones together: a shop, a phone, a paired till and a
cashier signed in."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from sync import pins, terminals
from tests.browser.conftest import SMALL_PHONE, BrowserShop

PIN = "4821"


@dataclass
class Till:
    """A browser shop and a phone-sized page of its terminal app (``context`` is the page's)."""

    shop: BrowserShop
    url: str
    context: Any
    page: Any
    code: str

    @property
    def cashier_email(self) -> str:
        return str(self.shop.shop.cashier.user.email)


def new_context(browser: Any, viewport: dict[str, int] | None = None) -> Any:
    """A phone-sized context (small by default) that accepts downloads."""
    context = browser.new_context(
        viewport=viewport or SMALL_PHONE,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
        accept_downloads=True,
    )
    context.set_default_timeout(15_000)
    return context


def set_up_till(shop: BrowserShop, code: str = "T1", *, cashier_pin: str | None = PIN) -> str:
    """A terminal awaiting pairing and (unless ``cashier_pin`` is None) the cashier's PIN; the
    pairing code."""
    stocked = shop.shop
    with tenant_context(stocked.tenant):
        pairing = terminals.terminal_create(
            storefront_id=stocked.storefront.pk, code=code, name=f"Till {code}", actor=Actor.system("tests")
        )
        if cashier_pin is not None:
            cashier = stocked.cashier
            actor = Actor.of_user(cashier.user)
            pins.cashier_pin_set(membership=cashier.membership, pin=cashier_pin, actor=actor)
    return pairing.code


def pair(page: Any, url: str, code: str) -> None:
    """Type the pairing code on a new device; the sign-in screen follows the first pull."""
    page.goto(f"{url}/pos/")
    page.get_by_label("Pairing code").fill(code)
    page.get_by_role("button", name="Pair").click()
    page.get_by_label("Cashier").wait_for()


def sign_in(page: Any, cashier: str, pin: str = PIN) -> None:
    """Choose the cashier, type the PIN, and wait for the sale screen."""
    page.get_by_label("Cashier").select_option(label=cashier)
    page.get_by_label("PIN").fill(pin)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#search").wait_for()


def pair_and_sign_in(page: Any, url: str, code: str, cashier: str, pin: str = PIN) -> None:
    pair(page, url, code)
    sign_in(page, cashier, pin)


def add(page: Any, sku: str) -> None:
    """Search ``sku`` and add it to the cart. The search is typed again when its tile has not
    shown: a screen drawn again by the sync at the moment of typing (a loaded machine) can take
    the keystrokes into the input it replaces."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    tile = page.locator(f'button.add[data-sku="{sku}"]')
    for _ in range(2):
        page.locator("#search").fill(sku)
        with contextlib.suppress(PlaywrightTimeout):
            tile.wait_for(timeout=5_000)
            break
    else:
        page.locator("#search").fill(sku)
    tile.click()


def sell(page: Any, sku: str, *, quantity: str | None = None, split: bool = False) -> str:
    """Sell one product; with ``split``, part by mobile money and the rest in cash (with change).
    The receipt number shown."""
    add(page, sku)
    if quantity is not None:
        page.locator("input.qty").fill(quantity)
        page.locator("input.qty").press("Tab")
    page.locator("#pay").click()
    if split:
        due = Decimal(page.locator("#due").inner_text().split()[-1].replace(",", ""))
        momo = (due / 2).quantize(Decimal("0.01"))
        pay_split(page, momo=str(momo), cash=str((due - momo + 10).quantize(Decimal("1"))))
    page.locator("#complete").click()
    number = page.locator("#receipt-number").inner_text()
    page.locator("#new-sale").click()
    return number


def pay_split(page: Any, *, momo: str, cash: str) -> None:
    """On the payment screen: ``momo`` by mobile money (MTN, a reference), then ``cash``."""
    page.locator('select[name="kind-0"]').select_option("mobile_money")
    page.locator('input[name="amount-0"]').fill(momo)
    page.locator('input[name="amount-0"]').press("Tab")
    page.locator('input[name="provider-0"]').fill("MTN")
    page.locator('input[name="provider-0"]').press("Tab")
    page.locator('input[name="reference-0"]').fill("TX123")
    page.locator('input[name="reference-0"]').press("Tab")
    page.locator("#add-payment").click()
    page.locator('input[name="amount-1"]').fill(cash)
    page.locator('input[name="amount-1"]').press("Tab")


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
