"""The back office's pages for conflicts, terminals, shifts, staff, taxes, billing and the audit
log at phone size in Chromium (axe-core, nothing wider than the screen, touch targets), and the
tasks an owner does there."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.browser.conftest import PHONE, SMALL_PHONE, BrowserShop, axe_check, choose_french, screenshot
from tests.browser.test_portal_pages import too_small


def oversell(shop: BrowserShop, code: str = "T1") -> dict[str, Any]:
    """A terminal of the shop uploads a sale of more rice than the storefront holds (committed)."""
    from tests.sync.conftest import pair_terminal
    from tests.sync.ops import batch, push, results, sale

    s = shop.shop
    till = pair_terminal(shop.tenant, s.storefront, code=code)
    [answer] = results(
        push(
            till.client, batch(sale(1, cashier=s.cashier, lines=[(s.products["rice"], "110")], pay="5000.00"))
        )
    )
    return {"terminal": till.terminal, "sale_id": answer["id"]}


def open_shift(shop: BrowserShop) -> Any:
    from django.db import connection

    from pos_platform.kernel.actors import Actor
    from tenant_apps.shifts.services import cash_movement_record, shift_open

    s = shop.shop
    connection.set_tenant(shop.tenant)
    try:
        actor = Actor.of_user(s.owner.user)
        shift = shift_open(
            storefront_id=s.storefront.pk, cashier_id=s.owner.user.pk, opening_float=Decimal(100), actor=actor
        )
        cash_movement_record(
            shift_id=shift.pk, kind="out", amount=Decimal(30), reason="Bank deposit", actor=actor
        )
        return shift
    finally:
        connection.set_schema_to_public()


def conflict_of(shop: BrowserShop, kind: str) -> Any:
    from django.db import connection

    from sync.models import Conflict

    connection.set_tenant(shop.tenant)
    try:
        return Conflict.objects.filter(kind=kind).order_by("-created_at").first()
    finally:
        connection.set_schema_to_public()


@pytest.fixture(scope="module")
def office(
    browser_tenant: Callable[..., BrowserShop], django_db_blocker: Any
) -> tuple[BrowserShop, dict[str, Any]]:
    shop = browser_tenant(stock=True)
    with django_db_blocker.unblock():
        facts = oversell(shop)
        facts["conflict"] = conflict_of(shop, "oversold")
        facts["shift"] = open_shift(shop)
        facts["cashier_membership"] = shop.shop.cashier.membership
        facts["owner_membership"] = shop.shop.owner.membership
    return shop, facts


def pages(facts: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("conflicts", "/portal/conflicts"),
        ("conflict", f"/portal/conflicts/{facts['conflict'].pk}"),
        ("conflicts-accept-day", "/portal/conflicts/accept-day"),
        ("terminals", "/portal/terminals"),
        ("terminal-new", "/portal/terminals/new"),
        ("terminal", f"/portal/terminals/{facts['terminal'].pk}"),
        ("terminal-revoke", f"/portal/terminals/{facts['terminal'].pk}/revoke"),
        ("shifts", "/portal/shifts"),
        ("shift-open", "/portal/shifts/open"),
        ("shift", f"/portal/shifts/{facts['shift'].pk}"),
        ("shift-close", f"/portal/shifts/{facts['shift'].pk}/close"),
        ("shift-report", f"/portal/shifts/{facts['shift'].pk}/report"),
        ("staff", "/portal/staff"),
        ("staff-invite", "/portal/staff/invite"),
        ("staff-member", f"/portal/staff/{facts['cashier_membership'].pk}"),
        # The owner's own page lists this very session, with its sign-out button.
        ("staff-member-sessions", f"/portal/staff/{facts['owner_membership'].pk}"),
        ("taxes", "/portal/taxes"),
        ("tax-rate-new", "/portal/taxes/rates/new"),
        ("tax-category-new", "/portal/taxes/categories/new"),
        ("audit", "/portal/audit"),
        ("settings", "/portal/settings"),
        ("billing", "/portal/billing"),
    ]


@pytest.mark.parametrize("size", ["phone", "small_phone"])
def test_every_back_office_page_is_accessible_and_fits_a_phone(
    size: str,
    request: pytest.FixtureRequest,
    office: tuple[BrowserShop, dict[str, Any]],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    shop, facts = office
    page = request.getfixturevalue(size)
    width = (PHONE if size == "phone" else SMALL_PHONE)["width"]
    sign_in_session(page, shop.shop.owner.user, shop.tenant)
    base = live_url(shop.tenant.slug)
    problems: dict[str, Any] = {}

    for name, path in pages(facts):
        response = page.goto(base + path)
        assert response is not None
        assert response.status == 200, path
        if size == "phone":
            axe_check(page)
        wide = page.evaluate("document.documentElement.scrollWidth")
        small = too_small(page)
        if wide > width or small:
            problems[path] = {"width": wide, "small": small[:5]}
        if size == "phone":
            # The log is long: its first screen says enough.
            screenshot(page, f"portal-{name}", full_page=name != "audit")

    assert problems == {}, json.dumps(problems, indent=1)


# What the person reads on the way, in each language.
RESOLVE_WORDS = {
    "en": {
        "menu": "Sync conflicts",
        "kind": "Kind",
        "filter": "Filter",
        "resolve": "Resolve",
        "adjust": "Adjust stock: book a correction of the level",
        "change": "Stock change",
        "done": "Conflict resolved.",
    },
    "fr": {
        "menu": "Conflits de synchronisation",
        "kind": "Type",
        "filter": "Filtrer",
        "resolve": "Résoudre",
        "adjust": "Ajuster le stock : enregistrer une correction du niveau",
        "change": "Variation de stock",
        "done": "Conflit résolu.",
    },
}


def resolve_by_adjusting_stock(phone: Any, words: dict[str, str], *, change: str, note: str) -> None:
    """From any page: the menu, the open oversold conflict (rice at -10), adjust its stock."""
    phone.get_by_role("button", name="Menu").click()
    phone.get_by_role("link", name=words["menu"]).click()
    phone.get_by_role("combobox", name=words["kind"]).select_option("oversold")
    phone.get_by_role("button", name=words["filter"]).click()
    phone.locator("table a[href^='/portal/conflicts/']").first.click()
    phone.get_by_role("heading", name=words["resolve"]).wait_for()
    assert phone.locator("[data-stock-level]").inner_text() == "-10"
    axe_check(phone)
    phone.get_by_label(words["adjust"]).check()
    phone.get_by_label(words["change"]).fill(change)
    phone.get_by_label("Note", exact=True).fill(note)
    phone.get_by_role("button", name=words["resolve"]).click()
    phone.get_by_text(words["done"]).wait_for()


@pytest.mark.parametrize("language", ["en", "fr"])
def test_an_owner_resolves_an_oversold_conflict_by_adjusting_stock(
    language: str,
    phone: Any,
    browser_tenant: Callable[..., BrowserShop],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    from django.db import connection

    from tenant_apps.inventory.models import StockLevel

    shop = browser_tenant(stock=True)
    oversell(shop)
    sign_in_session(phone, shop.shop.owner.user, shop.tenant)
    phone.goto(live_url(shop.tenant.slug) + "/portal/")
    if language == "fr":
        choose_french(phone, live_url(shop.tenant.slug))

    resolve_by_adjusting_stock(phone, RESOLVE_WORDS[language], change="12", note="A sack was behind the door")

    assert phone.locator("[data-stock-level]").inner_text() == "2"
    screenshot(
        phone,
        "portal-conflict-resolved" if language == "en" else "portal-fr-conflict-resolved",
        full_page=True,
    )
    connection.set_tenant(shop.tenant)
    level = StockLevel.objects.get(product=shop.shop.products["rice"], storefront=shop.shop.storefront)
    connection.set_schema_to_public()
    assert level.quantity == Decimal(2)


def test_an_owner_adds_a_terminal_pairs_a_device_and_revokes_it(
    phone: Any,
    browser_tenant: Callable[..., BrowserShop],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    from tests.conftest import api_client

    shop = browser_tenant(stock=True)
    sign_in_session(phone, shop.shop.owner.user, shop.tenant)
    phone.goto(live_url(shop.tenant.slug) + "/portal/")

    phone.get_by_role("button", name="Menu").click()
    phone.get_by_role("link", name="Terminals").click()
    phone.get_by_role("link", name="Add a terminal").click()
    phone.get_by_label("Code").fill("T7")
    phone.get_by_label("Name").fill("Market stall")
    phone.get_by_role("button", name="Create the terminal").click()
    phone.get_by_role("heading", name="Pairing code").wait_for()
    assert phone.locator("svg.qr").is_visible()
    axe_check(phone)
    screenshot(phone, "portal-terminal-pairing", full_page=True)
    code = phone.locator("[data-pairing-code]").inner_text().strip()

    paired = api_client(shop.tenant.slug).post(
        "/api/v1/sync/pair", {"code": code, "app_version": "2.0.1"}, format="json"
    )
    assert paired.status_code == 201, paired.content
    phone.reload()
    assert phone.get_by_text("2.0.1").is_visible()
    assert phone.locator("[data-pairing-code]").count() == 0

    phone.get_by_role("link", name="Revoke").click()
    phone.get_by_text("Sales the device still holds are not lost.").wait_for()
    phone.get_by_label("Reason").fill("Phone stolen")
    phone.get_by_role("button", name="Revoke the terminal").click()
    phone.get_by_text("The terminal is revoked.").wait_for()
    device = api_client(shop.tenant.slug)
    device.credentials(HTTP_AUTHORIZATION=f"Bearer {paired.json()['credential']}")
    refused = device.get("/api/v1/sync/status")
    assert refused.status_code == 401
    assert refused.json()["code"] == "terminal_revoked"


def test_an_owner_closes_a_shift_with_a_cash_shortfall_and_sees_it_in_the_list(
    phone: Any,
    browser_tenant: Callable[..., BrowserShop],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    from django.db import connection

    from tenant_apps.shifts.models import ShiftCount

    shop = browser_tenant(stock=True)
    sign_in_session(phone, shop.shop.owner.user, shop.tenant)
    phone.goto(live_url(shop.tenant.slug) + "/portal/")

    phone.get_by_role("button", name="Menu").click()
    phone.get_by_role("link", name="Shifts").click()
    phone.get_by_role("link", name="Open a shift").click()
    phone.get_by_label("Opening float").fill("150")
    phone.get_by_role("button", name="Open the shift").click()
    phone.get_by_text("Your shift is open.").wait_for()
    phone.get_by_label("Out of the drawer").check()
    phone.get_by_label("Amount").fill("40")
    phone.get_by_label("Reason").fill("Bank deposit")
    phone.get_by_role("button", name="Record").click()
    phone.get_by_text("Cash movement recorded.").wait_for()
    phone.get_by_role("link", name="Close the shift").click()
    phone.get_by_label("Cash", exact=True).fill("105")
    axe_check(phone)
    phone.get_by_role("button", name="Close the shift").click()
    phone.get_by_text("The shift is closed.").wait_for()
    assert "-GH₵5.00" in phone.locator("[data-difference]").inner_text()

    phone.get_by_role("link", name="All shifts").click()
    phone.wait_for_url("**/portal/shifts")
    row = phone.locator("tr.low")
    row.wait_for()
    assert "short" in row.inner_text()
    assert "-GH₵5.00" in row.inner_text()
    screenshot(phone, "portal-shifts-shortfall", full_page=True)
    connection.set_tenant(shop.tenant)
    [count] = ShiftCount.objects.all()
    connection.set_schema_to_public()
    assert (count.expected, count.counted, count.difference) == (
        Decimal("110.00"),
        Decimal("105.00"),
        Decimal("-5.00"),
    )


def test_an_owner_invites_a_cashier_who_can_sell_but_not_open_the_staff_page(
    phone: Any,
    new_phone: Callable[..., Any],
    browser_tenant: Callable[..., BrowserShop],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    shop = browser_tenant(stock=True)
    base = live_url(shop.tenant.slug)
    email = f"kofi@{shop.tenant.slug}.test"
    sign_in_session(phone, shop.shop.owner.user, shop.tenant)
    phone.goto(base + "/portal/staff")
    phone.get_by_role("link", name="Invite someone").click()
    phone.get_by_label("Email").fill(email)
    phone.get_by_label("Role").select_option("cashier")
    phone.get_by_label("Storefront").select_option(str(shop.shop.storefront.pk))
    phone.get_by_role("button", name="Send the invitation").click()
    phone.get_by_role("heading", name="Invitation code").wait_for()
    axe_check(phone)
    screenshot(phone, "portal-staff-invited", full_page=True)
    code = phone.locator("[data-invitation-code]").inner_text().strip()

    kofi = new_phone()
    kofi.goto(f"{base}/portal/invitation?code={code}")
    kofi.get_by_label("Your name").fill("Kofi Boateng")
    kofi.get_by_label("Password").first.fill("plantain market day 77")
    kofi.get_by_role("button", name="Accept invitation").click()
    kofi.wait_for_url("**/portal/login**")
    kofi.get_by_label("Email").fill(email)
    kofi.get_by_label("Password").fill("plantain market day 77")
    kofi.get_by_role("button", name="Sign in").click()
    kofi.wait_for_url(lambda url: "/portal/login" not in url)
    sale = kofi.goto(base + "/portal/sales/new")
    staff = kofi.goto(base + "/portal/staff")

    assert sale is not None
    assert sale.status == 200
    assert staff is not None
    assert staff.status == 403
    assert kofi.get_by_text("does not allow you to see staff").is_visible()
    phone.goto(base + "/portal/staff")
    assert phone.get_by_role("link", name="Kofi Boateng").is_visible()


def test_an_owner_ends_a_tax_rate_and_sees_the_preview_change(
    phone: Any,
    browser_tenant: Callable[..., BrowserShop],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    shop = browser_tenant(stock=True)
    sign_in_session(phone, shop.shop.owner.user, shop.tenant)
    phone.goto(live_url(shop.tenant.slug) + "/portal/taxes")

    phone.get_by_label("Product (SKU or barcode)").fill("RICE")
    phone.get_by_role("button", name="Preview").click()
    phone.locator("[data-preview]").wait_for()
    before = phone.locator("[data-preview]").inner_text()
    assert "Value Added Tax (15%)" in before
    axe_check(phone)
    screenshot(phone, "portal-taxes-preview", full_page=True)

    phone.locator("tr", has_text="VAT · Value Added Tax").get_by_role("link", name="End").click()
    phone.get_by_role("button", name="End the rate").click()
    phone.get_by_text("The rate is ended.").wait_for()
    phone.get_by_label("Product (SKU or barcode)").fill("RICE")
    phone.get_by_role("button", name="Preview").click()
    phone.wait_for_url("**/portal/taxes?**")
    phone.locator("[data-preview]").wait_for()
    after = phone.locator("[data-preview]").inner_text()

    assert "Value Added Tax" not in after
    assert phone.locator("[data-tax-total]").inner_text() != ""
    assert after != before

    phone.goto(live_url(shop.tenant.slug) + "/portal/audit")
    phone.get_by_label("Action").fill("tax_rate.")
    phone.get_by_label("Person").select_option(str(shop.shop.owner.user.pk))
    phone.get_by_role("button", name="Filter").click()
    phone.wait_for_url("**/portal/audit?**")
    actions = phone.locator("table.cards td[data-label='Action']").all_inner_texts()
    assert actions[0] == "tax_rate.end"  # newest first
    assert set(actions) == {"tax_rate.end", "tax_rate.add"}  # the shop's set-up added the rates
    axe_check(phone)


def test_an_owner_sets_the_receipt_texts_and_the_time_zone_and_prints_a_receipt(
    phone: Any,
    browser_tenant: Callable[..., BrowserShop],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    from django.db import connection

    from shared_apps.tenants.models import Tenant
    from tenant_apps.receipts.services import receipt_path

    shop = browser_tenant(stock=True)
    sale_id = oversell(shop)["sale_id"]
    sign_in_session(phone, shop.shop.owner.user, shop.tenant)
    base = live_url(shop.tenant.slug)
    phone.goto(base + "/portal/settings")

    phone.get_by_label("Receipt header").fill("12 Ring Road, Osu\nTel 024 000 0000")
    phone.get_by_label("Receipt footer").fill("Goods sold are returned within 7 days")
    phone.get_by_role("button", name="Save", exact=True).click()
    phone.get_by_text("Settings saved.").wait_for()
    phone.get_by_role("textbox", name="Time zone").fill("Africa/Lagos")
    phone.get_by_role("button", name="Save the time zone").click()
    phone.get_by_text("Time zone saved.").wait_for()
    axe_check(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    phone.goto(base + f"/portal/sales/{sale_id}/receipt?paper=58")
    receipt = phone.locator("article.receipt")
    assert "12 Ring Road, Osu\nTel 024 000 0000" in receipt.inner_text()
    assert "Goods sold are returned within 7 days" in receipt.inner_text()
    axe_check(phone)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "portal-receipt-texts", full_page=True)
    connection.set_tenant(shop.tenant)
    path = receipt_path(sale_id=sale_id)
    connection.set_schema_to_public()
    phone.goto(base + path)
    assert phone.get_by_text("Goods sold are returned within 7 days").is_visible()
    assert Tenant.objects.get(pk=shop.tenant.pk).timezone == "Africa/Lagos"
