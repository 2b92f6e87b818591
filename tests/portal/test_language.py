"""The back office in the person's language: the choice on the account page, the browser's
Accept-Language as fallback, French pages, messages, refusals, money and dates."""

from __future__ import annotations

import pytest
from babel.numbers import format_currency
from django.test import Client

from shared_apps.messaging.models import Preference
from shared_apps.messaging.services import preference_update
from tests.conftest import Shop, host_of
from tests.portal.conftest import html, portal_client


def _choose(shop: Shop, language: str) -> None:
    preference_update(user_id=shop.owner.user.pk, tenant_id=None, language=language)


def test_english_by_default(shop: Shop, owner_portal: Client) -> None:
    response = owner_portal.get("/portal/products")

    page = html(response)
    assert response["Content-Language"] == "en"
    assert '<html lang="en"' in page
    assert "Products" in page
    assert "Produits" not in page
    assert "25.00" in page  # the price of rice


def test_accept_language_is_the_fallback(shop: Shop, owner_portal: Client) -> None:
    response = owner_portal.get("/portal/products", HTTP_ACCEPT_LANGUAGE="fr-CI,fr;q=0.9,en;q=0.5")

    page = html(response)
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr"' in page
    assert "Tableau de bord" in page  # the menu
    assert "Accept-Language" in response["Vary"]


def test_the_chosen_language_beats_the_browser(shop: Shop, owner_portal: Client) -> None:
    _choose(shop, "en")

    response = owner_portal.get("/portal/account", HTTP_ACCEPT_LANGUAGE="fr")

    assert response["Content-Language"] == "en"
    assert "Your account" in html(response)


def test_french_pages_money_and_dates(shop: Shop, owner_portal: Client) -> None:
    _choose(shop, "fr")

    products = html(owner_portal.get("/portal/products"))
    account = html(owner_portal.get("/portal/account"))
    dashboard = html(owner_portal.get("/portal/"))
    reports = html(owner_portal.get("/portal/reports/day"))

    assert "Votre compte" in account
    assert "Connecté en tant que" in account
    assert "Propriétaire" in account  # the role
    assert "Aller au contenu" in products
    assert "Se déconnecter" in products
    assert "Nouveau produit" in products
    assert "Ventes nettes" in dashboard
    assert "Meilleurs produits" in dashboard
    assert "Rapport X : la journée jusqu'ici" in reports or "Rapport Z : journée clôturée" in reports
    # French money: a decimal comma, the currency after the amount.
    assert "25,00" in products
    assert "25.00" not in products


def test_choosing_french_on_the_account_page(shop: Shop, owner_portal: Client) -> None:
    response = owner_portal.post("/portal/account", {"language": "fr"}, follow=True)

    page = html(response)
    assert response.status_code == 200
    assert "Votre langue est enregistrée." in page
    assert '<option value="fr" selected>' in page
    assert Preference.objects.get(user_id=shop.owner.user.pk, tenant__isnull=True).language == "fr"
    # The next page, without any Accept-Language, is French too.
    assert "Tableau de bord" in html(owner_portal.get("/portal/products"))


def test_a_shop_row_follows_the_choice(shop: Shop, owner_portal: Client) -> None:
    preference_update(user_id=shop.owner.user.pk, tenant_id=shop.tenant.pk, language="en")

    owner_portal.post("/portal/account", {"language": "fr"})

    assert Preference.objects.get(user_id=shop.owner.user.pk, tenant_id=shop.tenant.pk).language == "fr"
    assert html(owner_portal.get("/portal/account")).count("Votre compte") >= 1


@pytest.mark.parametrize("value", ["de", "", "fr-CI' OR 1=1", "x" * 300])
def test_an_unknown_language_is_refused_and_nothing_changes(
    shop: Shop, owner_portal: Client, value: str
) -> None:
    _choose(shop, "en")

    response = owner_portal.post("/portal/account", {"language": value})

    assert response.status_code == 400
    assert Preference.objects.get(user_id=shop.owner.user.pk, tenant__isnull=True).language == "en"


def test_a_refusal_is_in_french(shop: Shop) -> None:
    preference_update(user_id=shop.cashier.user.pk, tenant_id=None, language="fr")
    cashier = portal_client(shop.cashier, shop.tenant)

    response = cashier.get("/portal/staff")

    page = html(response)
    assert response.status_code == 403
    assert "Non autorisé" in page
    assert "ne vous permet pas de" in page


def test_the_sign_in_page_follows_the_browser(shop: Shop) -> None:
    client = Client(HTTP_HOST=host_of(shop.tenant.slug))

    response = client.get("/portal/login", HTTP_ACCEPT_LANGUAGE="fr")

    page = html(response)
    assert "Mot de passe" in page
    assert "Se connecter" in page


def test_the_billing_page_and_an_invoice_in_french(shop: Shop, owner_portal: Client) -> None:
    from tests.billing.conftest import billed_tenant, issue, make_rates, make_tiers

    make_tiers()
    make_rates()
    billed_tenant(shop.tenant, storefronts=2)
    invoice = issue(shop.tenant)
    _choose(shop, "fr")

    billing = html(owner_portal.get("/portal/billing"))
    page = html(owner_portal.get(f"/portal/billing/invoices/{invoice.pk}"))

    assert "Votre abonnement" in billing
    assert "la boutique est suspendue" in billing
    assert "Factures" in billing
    assert "Retour à la facturation" in page
    assert "Référence de paiement" in page
    assert f"Abonnement, {invoice.storefront_count} points de vente" in page
    assert "Échéance" in page
    # French money: a decimal comma and the currency after the amount.
    assert format_currency(invoice.total, "GHS", locale="fr") in page
    assert "Subscription" not in page


def test_a_form_refused_in_french_changes_nothing(shop: Shop, owner_portal: Client) -> None:
    from tenant_apps.taxes.models import TaxRate

    _choose(shop, "fr")
    before = TaxRate.objects.count()

    response = owner_portal.get("/portal/taxes/rates/new")
    refused = owner_portal.post("/portal/taxes/rates/new", {"code": "VAT", "name": "TVA", "rate": ""})

    page = html(refused)
    assert "Ajouter un taux de taxe" in html(response)
    assert refused.status_code == 400
    assert "Ce champ est obligatoire." in page
    assert "Taux (%)" in page
    assert TaxRate.objects.count() == before


def test_the_sign_up_page_follows_the_browser(db: None) -> None:
    client = Client(HTTP_HOST="localhost")

    response = client.get("/portal/signup", HTTP_ACCEPT_LANGUAGE="fr-SN,fr;q=0.9")

    page = html(response)
    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert "Ouvrez votre boutique" in page
    assert "Nom de la boutique" in page
    assert "Sénégal" in page
    assert "Open your shop" not in page


def test_a_services_refusal_is_in_french_on_the_page_and_in_english_in_the_api(
    shop: Shop, owner_portal: Client
) -> None:
    from django_tenants.utils import tenant_context

    from tenant_apps.shifts.models import Shift

    _choose(shop, "fr")
    opening = {"storefront": str(shop.storefront.pk), "opening_float": "200.00"}
    owner_portal.post("/portal/shifts/open", {**opening, "idempotency_key": "first"})

    refused = owner_portal.post("/portal/shifts/open", {**opening, "idempotency_key": "second"})
    api = shop.owner.client.post(
        "/api/v1/shifts", {"storefront_id": str(shop.storefront.pk), "opening_float": "50"}, format="json"
    )

    page = html(refused)
    assert refused.status_code == 400
    assert "Ce caissier a déjà un service ouvert dans ce point de vente." in page
    assert "already has an open shift" not in page
    assert api.status_code == 409
    assert api.json()["code"] == "shift_already_open"
    assert api.json()["message"] == "This cashier already has an open shift at this storefront."
    with tenant_context(shop.tenant):
        assert Shift.objects.count() == 1


def test_a_refusal_with_values_is_translated_then_filled_in() -> None:
    from django.utils import translation

    from pos_platform.portal.errors import error_text
    from tenant_apps.sales.errors import SaleInvalid
    from tenant_apps.shifts.errors import ShiftInvalid

    refusal = SaleInvalid("A sale has at most %(MAX_LINES)s lines.", params={"MAX_LINES": 200})
    unmarked = ShiftInvalid("A message no catalogue knows.")

    with translation.override("fr"):
        french, kept = error_text(refusal), error_text(unmarked)
    with translation.override("en"):
        english = error_text(refusal)

    assert refusal.message == english == "A sale has at most 200 lines."
    assert refusal.as_dict()["message"] == "A sale has at most 200 lines."
    assert french == "Une vente a au plus 200 lignes."
    assert kept == "A message no catalogue knows."


def test_refused_import_rows_are_in_french_and_nothing_is_imported(shop: Shop, owner_portal: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_tenants.utils import tenant_context

    from tenant_apps.catalog.models import Product

    _choose(shop, "fr")
    with tenant_context(shop.tenant):
        before = Product.objects.count()
    data = b"sku,name,price\nNEW-1,Beans,10.00\nNEW-1,Beans again,11.00\nNEW-2,Oil,-5\n"

    response = owner_portal.post(
        "/portal/products/import", {"file": SimpleUploadedFile("c.csv", data, content_type="text/csv")}
    )

    page = html(response)
    assert response.status_code == 400
    assert "Ce SKU figure aussi sur une ligne précédente." in page
    assert "appears on an earlier line" not in page
    assert "A price is zero or more" not in page
    with tenant_context(shop.tenant):
        assert Product.objects.count() == before
