"""A cashier's first till PIN: the till says where to set one, the cashier sets it in the back office
on their phone (asked to by a banner), and the till, after its next pull, signs them in offline
with it. And the terminal app's screens at phone size, for the documentation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django_tenants.utils import tenant_context

from sync.models import CashierPin
from tenant_apps.sales.models import Sale
from tests.browser.conftest import PHONE, axe_check, screenshot
from tests.browser.terminal import Till, add, pay_split, pending, sell, sign_in, wait_until

NEW_PIN = "305917"


def test_a_cashier_sets_a_pin_in_the_back_office_and_signs_in_offline_with_it(
    till: Callable[..., Till], new_phone: Callable[..., Any], sign_in_session: Callable[..., None]
) -> None:
    made = till(cashier_pin=None)
    shop, page = made.shop, made.page
    cashier = shop.shop.cashier

    # The till: no PIN yet, and where to set one.
    page.get_by_label("Cashier").select_option(label=made.cashier_email)
    hint = page.locator("#no-pin")
    hint.wait_for()
    assert f"{made.url}/portal/account" in hint.inner_text()
    assert hint.locator("a").get_attribute("href") == f"{made.url}/portal/account#till-pin"
    axe_check(page)
    screenshot(page, "terminal-no-pin")
    page.get_by_role("button", name="Français").click()
    page.locator("#no-pin").filter(has_text="Pas encore de code PIN").wait_for()
    axe_check(page)
    screenshot(page, "terminal-no-pin-fr")
    page.get_by_role("button", name="English").click()
    page.get_by_label("PIN").fill("1234")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#message").filter(has_text="This cashier has no PIN yet").wait_for()
    assert page.locator("#search").count() == 0

    # The back office on the cashier's phone: the banner, then the form, a mistake, and the PIN.
    portal = new_phone(small=True)
    sign_in_session(portal, cashier.user, shop.tenant)
    portal.goto(f"{made.url}/portal/shifts")
    banner = portal.locator("[data-pin-banner]")
    banner.wait_for()
    axe_check(portal)
    banner.get_by_role("link", name="Set your till PIN").click()
    portal.locator("#till-pin [data-till-pin=unset]").wait_for()
    portal.get_by_label("New PIN", exact=True).fill(NEW_PIN)
    portal.get_by_label("New PIN again").fill("305918")
    portal.get_by_role("button", name="Set PIN").click()
    portal.locator("#id_pin_confirm_error").filter(has_text="The two PINs are not the same.").wait_for()
    with tenant_context(shop.tenant):
        assert CashierPin.objects.filter(user_id=cashier.user.pk).count() == 0
    axe_check(portal)
    portal.get_by_label("New PIN", exact=True).fill(NEW_PIN)
    portal.get_by_label("New PIN again").fill(NEW_PIN)
    portal.get_by_role("button", name="Set PIN").click()
    portal.get_by_text("Your till PIN is saved.").wait_for()
    portal.locator("#till-pin [data-till-pin=set]").wait_for()
    assert portal.locator("[data-pin-banner]").count() == 0
    assert portal.evaluate("document.documentElement.scrollWidth") <= 360
    axe_check(portal)
    screenshot(portal, "portal-till-pin", full_page=True)

    # The till learns it at its next pull (opening the app pulls), then works offline.
    page.reload()
    page.get_by_label("Cashier").select_option(label=made.cashier_email)
    wait_until(page, "document.getElementById('pin-hint') && !document.getElementById('no-pin')")
    wait_until(page, "navigator.serviceWorker.controller !== null")
    made.context.set_offline(True)
    page.get_by_label("PIN").fill("4821")
    page.get_by_role("button", name="Sign in").click()
    page.locator("#message").filter(has_text="Wrong PIN").wait_for()
    sign_in(page, made.cashier_email, NEW_PIN)
    number = sell(page, "WATER")
    assert pending(page) == 1

    made.context.set_offline(False)
    page.locator('[data-pending="0"]').wait_for(timeout=60_000)
    with tenant_context(shop.tenant):
        sale = Sale.objects.get(receipt_number=number)
        assert sale.cashier_id == cashier.user.pk
        assert CashierPin.objects.get(user_id=cashier.user.pk).set_by == cashier.user.pk


def test_the_terminal_app_screens_at_phone_size(till: Callable[..., Till]) -> None:
    """Pairing, sign-in, the sale, payment, the receipt, the shift and the sync status, each
    checked by axe-core and photographed (``make screenshots`` writes them into docs/images/)."""
    made = till(paired=False, viewport=PHONE)
    page, context = made.page, made.context

    page.goto(f"{made.url}/pos/")
    page.get_by_label("Pairing code").wait_for()
    axe_check(page)
    screenshot(page, "terminal-pair")
    page.get_by_label("Pairing code").fill(made.code)
    page.get_by_role("button", name="Pair").click()
    page.get_by_label("Cashier").select_option(label=made.cashier_email)
    axe_check(page)
    screenshot(page, "terminal-sign-in")
    sign_in(page, made.cashier_email)
    wait_until(page, "navigator.serviceWorker.controller !== null")

    # The shift opens with a float.
    page.get_by_role("button", name="Menu").click()
    page.get_by_label("Opening float").fill("200")
    page.locator("#open-shift").click()
    page.locator("#close-shift").wait_for()
    axe_check(page)
    screenshot(page, "terminal-shift", full_page=True)
    page.get_by_role("button", name="Back").click()

    # A sale of two lines, paid partly by mobile money, partly in cash.
    for sku in ("RICE", "WATER"):
        add(page, sku)
    page.locator("#search").fill("")
    axe_check(page)
    screenshot(page, "terminal-sale")
    page.locator("#pay").click()
    pay_split(page, momo="20", cash="10")
    axe_check(page)
    screenshot(page, "terminal-pay", full_page=True)
    page.locator("#complete").click()
    page.locator("#receipt-number").wait_for()
    page.locator('[data-pending="0"]').wait_for(timeout=60_000)  # uploaded: the customer's link
    axe_check(page)
    screenshot(page, "terminal-receipt", full_page=True)
    page.locator("#new-sale").click()

    # Offline: sales wait in the queue, and the status says so.
    context.set_offline(True)
    sell(page, "SOAP")
    sell(page, "SOAP")
    page.get_by_role("button", name="Menu").click()
    page.locator('[data-pending="2"]').wait_for()
    assert page.locator("[data-online]").get_attribute("data-online") == "0"
    axe_check(page)
    screenshot(page, "terminal-sync-status")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
