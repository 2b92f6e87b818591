"""The receipt header and footer: changed through the API under the service's rules, printed on
the customer's receipt page and delivered to terminals in the pull's settings."""

from __future__ import annotations

from pos_platform.kernel.audit.models import AuditEvent
from tenant_apps.receipts.services import receipt_path
from tenant_apps.shop.models import ShopSettings
from tests.conftest import Shop
from tests.receipts.test_receipts import page
from tests.sales.helpers import sell, use
from tests.sync.conftest import pair_terminal


def test_the_api_changes_the_receipt_texts_and_audits_them(shop_a: Shop) -> None:
    done = shop_a.owner.client.patch(
        "/api/v1/settings",
        {"receipt_header": " Osu, Accra\nVAT 123 ", "receipt_footer": "Come again"},
        format="json",
    )

    assert done.status_code == 200, done.json()
    assert (done.json()["receipt_header"], done.json()["receipt_footer"]) == (
        "Osu, Accra\nVAT 123",
        "Come again",
    )
    event = AuditEvent.objects.get(action="settings.update")
    assert event.details["receipt_footer"] == {"from": "", "to": "Come again"}
    assert shop_a.cashier.client.get("/api/v1/settings").json()["receipt_header"] == "Osu, Accra\nVAT 123"


def test_refused_receipt_texts_change_nothing(shop_a: Shop) -> None:
    shop_a.owner.client.patch("/api/v1/settings", {"receipt_footer": "Kept"}, format="json")
    too_long = shop_a.owner.client.patch("/api/v1/settings", {"receipt_footer": "x" * 201}, format="json")
    control = shop_a.owner.client.patch("/api/v1/settings", {"receipt_header": "a\u0085b"}, format="json")
    unknown = shop_a.owner.client.patch("/api/v1/settings", {"receipt_title": "x"}, format="json")
    denied = shop_a.cashier.client.patch("/api/v1/settings", {"receipt_footer": "Mine"}, format="json")

    assert (too_long.status_code, too_long.json()["code"]) == (400, "settings_invalid")
    assert too_long.json()["details"]["max_length"] == 200
    assert control.status_code == 400
    assert control.json()["code"] in {"settings_invalid", "text_invalid"}
    assert (unknown.status_code, unknown.json()["code"]) == (400, "field_unknown")
    assert denied.status_code == 403
    settings = ShopSettings.objects.get()
    assert (settings.receipt_header, settings.receipt_footer) == ("", "Kept")
    assert AuditEvent.objects.filter(action="settings.update").count() == 1


def test_the_receipt_page_and_the_pull_carry_the_texts(shop_a: Shop) -> None:
    shop_a.owner.client.patch(
        "/api/v1/settings",
        {"receipt_header": "Osu <b>Accra</b>", "receipt_footer": "Come again"},
        format="json",
    )
    recorded = sell(shop_a, ("water", 1))
    terminal = pair_terminal(shop_a.tenant, shop_a.storefront, code="T7")
    use(shop_a)

    receipt = page("alpha", receipt_path(sale_id=recorded.sale.pk)).content.decode()
    pulled = terminal.client.get("/api/v1/sync/pull", {"limit": 500}).json()

    assert "Osu &lt;b&gt;Accra&lt;/b&gt;" in receipt
    assert "Come again" in receipt
    (settings,) = pulled["changes"]["settings"]
    assert (settings["receipt_header"], settings["receipt_footer"]) == ("Osu <b>Accra</b>", "Come again")
    assert settings["minor_unit"] == 2
