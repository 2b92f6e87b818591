"""The back office in French at phone size in Chromium: an owner chooses French on the account
page, then walks the main pages and those of part 2 (conflicts, terminals, shifts, staff, taxes,
settings, billing, the audit log); each is in French (the menu, headings, no English sentence of
the catalogues left), with French money and dates, fits the screen and has no serious or critical
axe-core violation. An owner resolving a conflict in French: test_back_office_pages (by language)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from babel.messages.pofile import read_po
from django.utils import timezone

from tests.browser.conftest import SMALL_PHONE, BrowserShop, axe_check, choose_french, screenshot
from tests.browser.test_back_office_pages import office, pages
from tests.browser.test_portal_pages import pages as part_one_pages
from tests.browser.test_portal_pages import record_sales, too_small

__all__ = ["office"]  # a fixture, shared with the English walk of these pages

ROOT = Path(__file__).resolve().parent.parent.parent

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


# The part-2 pages (named as in test_back_office_pages.pages), and French text each must show.
PART_TWO = {
    "conflicts": ["Conflits de synchronisation", "Filtrer", "Signalé le"],
    "conflict": ["Vendu au-delà du stock", "Stock actuel", "Que faire", "Résoudre"],
    "conflicts-accept-day": ["Accepter les écarts de prix d'une journée", "Tout accepter"],
    "terminals": ["Terminaux", "Ajouter un terminal", "Dernier contact"],
    "terminal-new": ["Ajouter un terminal", "Créer le terminal", "code d'association"],
    "terminal": ["Dernier contact", "Opérations en attente", "Révoquer"],
    "terminal-revoke": ["Les ventes encore sur l'appareil ne sont pas perdues.", "Révoquer le terminal"],
    "shifts": ["Services", "Ouvrir un service"],
    "shift-open": ["Ouvrir un service", "Fond de caisse"],
    "shift": ["Service", "Espèces"],
    "shift-close": ["Clôturer le service", "Attendu"],
    "shift-report": ["Rapport de service"],
    "staff": ["Personnel", "Inviter quelqu'un"],
    "staff-invite": ["Inviter quelqu'un", "Rôle"],
    "staff-member": ["Rôle", "Caissier"],
    "staff-member-sessions": ["Sessions du back-office", "Propriétaire"],
    "taxes": ["Taxes", "Ajouter un taux", "Aperçu des taxes d'une vente", "Jusqu'au"],
    "tax-rate-new": ["Ajouter un taux de taxe", "Taux (%)"],
    "tax-category-new": ["Ajouter une catégorie de taxe", "Par exemple STD ou EXEMPT."],
    "audit": ["Journal d'audit", "Tout le monde", "Identifiant de l'objet"],
    "settings": ["Paramètres", "Fuseau horaire", "Moyens de paiement", "En-tête du reçu"],
    "billing": ["Facturation", "Si une facture n'est pas réglée", "Factures"],
}


# The French pages kept in docs/images/ (the longest words meet the narrowest screen there).
FRENCH_SCREENSHOTS = {"conflict", "terminal", "taxes", "billing"}


def english_sentences() -> set[str]:
    """The English of every catalogue whose French differs: the runs of words between
    placeholders and tags, long enough to be a sentence of the interface, not a name."""
    found: set[str] = set()
    for po in ROOT.glob("*/**/locale/fr/LC_MESSAGES/django.po"):
        if ".venv" in po.parts:
            continue
        with po.open("rb") as f:
            for message in read_po(f, locale="fr"):
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if not ids[0] or ids[0] in strings:
                    continue
                for msgid in ids:
                    for run in re.split(r"%\(\w+\)[sd]|<[^>]+>", msgid):
                        run = run.strip(" .,:;()")
                        if len(run) >= 14 and " " in run:
                            found.add(run)
    return found


def test_an_owner_walks_the_back_office_in_french(
    browser_tenant: Callable[..., BrowserShop],
    django_db_blocker: Any,
    phone: Any,
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    shop = browser_tenant(stock=True)
    with django_db_blocker.unblock():
        sales = record_sales(shop)
    page = phone
    sign_in_session(page, shop.shop.owner.user, shop.tenant)
    base = live_url(shop.tenant.slug)

    choose_french(page, base)
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

    # Every other page of part 1 (a sale, its receipt, refund and void, a new sale, the forms):
    # no English sentence of the catalogues is left.
    english = english_sentences()
    left = {}
    for name, path in part_one_pages(sales, shop.shop.products):
        response = page.goto(base + path)
        assert response is not None
        assert response.status == 200, path
        found = sorted(sentence for sentence in english if sentence in page.locator("body").inner_text())
        if found:
            left[name] = found
        if path not in dict(PAGES):
            axe_check(page)
    assert left == {}

    # French money: rice at 25,00 GHS (the currency after the amount), not 25.00.
    page.goto(base + "/portal/products")
    products = page.locator("main").inner_text()
    assert re.search(r"25,00\s*GHS", products), products[:500]
    assert "25.00" not in products
    # French dates: today's sales are dated as a French reader writes the day (3 déc.).
    page.goto(base + "/portal/sales")
    today = timezone.now().astimezone(ZoneInfo(shop.tenant.timezone))
    assert format_skeleton("MMMd", today, locale="fr") in page.locator("main").inner_text()


def test_an_owner_walks_the_pages_of_part_two_in_french_on_a_small_phone(
    office: tuple[BrowserShop, dict[str, Any]],
    small_phone: Any,
    live_url: Callable[[str], str],
    sign_in_session: Callable[..., None],
) -> None:
    shop, facts = office
    page = small_phone
    sign_in_session(page, shop.shop.owner.user, shop.tenant)
    base = live_url(shop.tenant.slug)
    english = english_sentences()
    choose_french(page, base)
    problems: dict[str, Any] = {}

    for name, path in pages(facts):
        response = page.goto(base + path)
        assert response is not None
        assert response.status == 200, path
        assert response.headers["content-language"] == "fr"
        body = page.locator("body").inner_text()
        missing = [text for text in PART_TWO[name] if text not in body]
        left = sorted(sentence for sentence in english if sentence in body)
        wide = page.evaluate("document.documentElement.scrollWidth")
        small = too_small(page)
        if missing or left or wide > SMALL_PHONE["width"] or small:
            problems[path] = {"missing": missing, "english": left, "width": wide, "small": small[:5]}
        axe_check(page)
        if name in FRENCH_SCREENSHOTS:
            screenshot(page, f"portal-fr-{name}", full_page=True)

    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
    assert set(PART_TWO) == {name for name, _ in pages(facts)}
