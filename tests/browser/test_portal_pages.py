"""Every page of the back office at phone size in Chromium: no serious or critical axe-core
violation, nothing wider than the screen, touch targets of at least 44 px, and a screenshot of
the main pages for the README."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import PHONE, SMALL_PHONE, BrowserShop, axe_check, screenshot

# Interactive elements smaller than this (CSS pixels) are too small for a thumb.
TOUCH = 44
# The pages shown in the README, as a phone's screen shows them (docs/images/portal-<name>.png).
SHOWN = {
    "dashboard",
    "sales",
    "sale",
    "receipt",
    "refund",
    "sale-new",
    "products",
    "product",
    "stock",
    "stock-receive",
    "reports",
    "day-report",
}


def record_sales(shop: BrowserShop) -> Any:
    """A few sales, one of them partly refunded, through the services (committed)."""
    from django.db import connection

    from tests.conftest import sell_a_few

    connection.set_tenant(shop.tenant)
    sales = sell_a_few(shop.shop)
    connection.set_schema_to_public()
    return sales


@pytest.fixture(scope="module")
def busy_shop(browser_tenant: Callable[..., BrowserShop], django_db_blocker: Any) -> tuple[BrowserShop, Any]:
    shop = browser_tenant(stock=True)
    with django_db_blocker.unblock():
        return shop, record_sales(shop)


def too_small(page: Any) -> list[str]:
    """Visible links, buttons and inputs smaller than a thumb, outside running text. A checkbox is
    as large as it and its label together: a tap on the label ticks it."""
    return page.evaluate(
        """(min) => {
          const box = (e) => {
            const r = e.getBoundingClientRect();
            const label = (e.type === 'checkbox' || e.type === 'radio') && e.id
              ? document.querySelector(`label[for="${e.id}"]`) : null;
            if (!label) return r;
            const l = label.getBoundingClientRect();
            return {width: Math.max(r.right, l.right) - Math.min(r.left, l.left),
                    height: Math.max(r.bottom, l.bottom) - Math.min(r.top, l.top)};
          };
          return [...document.querySelectorAll('a, button, input:not([type=hidden]), select, summary')]
            .filter(e => e.offsetParent !== null && !e.closest('p, .muted, dd, figcaption, .help'))
            .filter(e => { const r = box(e); return r.height < min || r.width < min; })
            .map(e => e.outerHTML.slice(0, 90));
        }""",
        TOUCH,
    )


def pages(sales: list[Any], products: dict[str, Any]) -> list[tuple[str, str]]:
    sale = sales[0].pk
    return [
        ("dashboard", "/portal/"),
        ("dashboard-7-days", "/portal/?period=7d"),
        ("sales", "/portal/sales"),
        ("sale", f"/portal/sales/{sale}"),
        ("receipt", f"/portal/sales/{sale}/receipt"),
        ("refund", f"/portal/sales/{sale}/refund"),
        ("void", f"/portal/sales/{sales[1].pk}/void"),
        ("sale-new", "/portal/sales/new"),
        ("products", "/portal/products"),
        ("product", f"/portal/products/{products['rice'].pk}"),
        ("product-new", "/portal/products/new"),
        ("product-edit", f"/portal/products/{products['rice'].pk}/edit"),
        ("product-price", f"/portal/products/{products['rice'].pk}/price"),
        ("product-import", "/portal/products/import"),
        ("stock", "/portal/stock"),
        ("stock-movements", "/portal/stock/movements"),
        ("stock-receive", "/portal/stock/receive"),
        ("stock-adjust", "/portal/stock/adjust"),
        ("stock-count", "/portal/stock/count"),
        ("stock-transfer", "/portal/stock/transfer"),
        ("reports", "/portal/reports"),
        ("day-report", "/portal/reports/day"),
        ("account", "/portal/account"),
        ("password", "/portal/password"),
        ("backup-codes", "/portal/mfa/backup-codes"),
    ]


@pytest.mark.parametrize("size", ["phone", "small_phone"])
def test_every_page_is_accessible_and_fits_a_phone(
    size: str,
    request: pytest.FixtureRequest,
    busy_shop: tuple[BrowserShop, Any],
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    shop, sales = busy_shop
    page = request.getfixturevalue(size)
    width = (PHONE if size == "phone" else SMALL_PHONE)["width"]
    sign_in_session(page, shop.shop.owner.user, shop.tenant)
    base = live_url(shop.tenant.slug)
    problems: dict[str, Any] = {}

    for name, path in pages(sales, shop.shop.products):
        response = page.goto(base + path)
        assert response is not None
        assert response.status == 200, path
        if size == "phone":  # the same page at 360 px has the same markup
            axe_check(page)
        wide = page.evaluate("document.documentElement.scrollWidth")
        small = too_small(page)
        if wide > width or small:
            problems[path] = {"width": wide, "small": small[:5]}
        if size == "phone" and name in SHOWN:
            screenshot(page, f"portal-{name}")

    assert problems == {}, json.dumps(problems, indent=1)
