"""The back office in French at phone size in Chromium: an owner chooses French on the account
page, then walks the main pages; each is in French (the menu, headings), with French money and
dates, and has no serious or critical axe-core violation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from django.utils import timezone

from tests.browser.conftest import BrowserShop, axe_check
from tests.browser.test_portal_pages import record_sales

# Each main page, and French text it must show.
PAGES = [
    ("/portal/", ["Tableau de bord", "Ventes nettes", "Meilleurs produits"]),
    ("/portal/products", ["Produits", "Nouveau produit", "Exporter le catalogue (CSV)"]),
    ("/portal/stock", ["Stock", "Point de vente", "Le registre des mouvements"]),
    ("/portal/sales", ["Ventes"]),
    ("/portal/reports", ["Rapports", "Exporter les ventes (CSV)"]),
    ("/portal/shifts", ["Services", "Services ouverts seulement"]),
    ("/portal/conflicts", ["Conflits de synchronisation"]),
]


def test_an_owner_walks_the_back_office_in_french(
    browser_tenant: Callable[..., BrowserShop],
    django_db_blocker: Any,
    phone: Any,
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    shop = browser_tenant(stock=True)
    with django_db_blocker.unblock():
        record_sales(shop)
    page = phone
    sign_in_session(page, shop.shop.owner.user, shop.tenant)
    base = live_url(shop.tenant.slug)

    page.goto(base + "/portal/account")
    assert page.locator("html").get_attribute("lang") == "en"
    page.select_option("select[name=language]", "fr")
    # A whole page load (not a swap of the main part): the menu and the frame change language too.
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()
    assert page.locator("html").get_attribute("lang") == "fr"
    assert page.get_by_text("Votre langue est enregistrée.").is_visible()
    assert page.get_by_role("heading", name="Votre compte").is_visible()

    for path, texts in PAGES:
        response = page.goto(base + path)
        assert response is not None
        assert response.status == 200, path
        assert response.headers["content-language"] == "fr"
        assert page.locator("html").get_attribute("lang") == "fr"
        body = page.locator("body").inner_text()
        for text in texts:
            assert text in body, (path, text)
        assert "Dashboard" not in body, path
        axe_check(page)

    # French money: rice at 25,00 GHS (the currency after the amount), not 25.00.
    page.goto(base + "/portal/products")
    products = page.locator("main").inner_text()
    assert re.search(r"25,00\s*GHS", products), products[:500]
    assert "25.00" not in products
    # French dates: today's sales are dated as a French reader writes the day (3 déc.).
    page.goto(base + "/portal/sales")
    today = timezone.now().astimezone(ZoneInfo(shop.tenant.timezone))
    assert format_skeleton("MMMd", today, locale="fr") in page.locator("main").inner_text()
