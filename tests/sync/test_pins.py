"""Cashiers' PINs: set by the person, reset by an admin, sent to terminals only as a verifier;
and the other protocol additions a terminal app needs: stock levels in the pull, the receipt
address of each sale in the push result."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlsplit

from django.conf import settings
from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.tenants.models import Tenant
from sync.models import CashierPin
from tenant_apps.inventory.models import StockLevel
from tenant_apps.inventory.services import StockLine, stock_receive
from tests.conftest import Member, Shop
from tests.sync.conftest import PairedTerminal, pair_terminal
from tests.sync.ops import batch, push, results, sale


def pull_everything(terminal: PairedTerminal, cursor: str | None = None) -> tuple[dict[str, dict], str]:
    """Pull until has_more is false: the objects by kind and id, and the last cursor."""
    seen: dict[str, dict] = {}
    while True:
        params = {"limit": 2000} | ({"cursor": cursor} if cursor else {})
        response = terminal.client.get("/api/v1/sync/pull", params)
        assert response.status_code == 200, response.content
        body = response.json()
        for kind, objects in body["changes"].items():
            seen.setdefault(kind, {}).update({o["id"]: o for o in objects})
        cursor = body["cursor"]
        if not body["has_more"]:
            return seen, cursor


def verifies(pin_json: dict, pin: str) -> bool:
    derived = hashlib.pbkdf2_hmac(
        "sha256", pin.encode(), base64.b64decode(pin_json["salt"]), pin_json["iterations"], dklen=32
    )
    return base64.b64encode(derived).decode() == pin_json["verifier"]


def test_a_cashier_sets_a_pin_and_terminals_get_its_verifier_never_the_pin(shop_a: Shop) -> None:
    till = pair_terminal(shop_a.tenant, shop_a.storefront)
    _, cursor = pull_everything(till)

    response = shop_a.cashier.client.post("/api/v1/sync/pin", {"pin": "4821"}, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["pin_set"] is True
    changed, _ = pull_everything(till, cursor)
    pin = changed["cashiers"][str(shop_a.cashier.user.pk)]["pin"]
    assert pin["algorithm"] == "pbkdf2_sha256"
    assert pin["iterations"] == settings.POS_PIN_ITERATIONS
    assert verifies(pin, "4821")
    assert not verifies(pin, "4822")
    assert "4821" not in str(changed)
    with tenant_context(shop_a.tenant):
        assert (
            AuditEvent.objects.filter(action="cashier.pin_set", actor_id=shop_a.cashier.user.pk).count() == 1
        )


def test_two_people_with_the_same_pin_get_different_verifiers(
    shop_a: Shop, make_member: Callable[..., Member]
) -> None:
    other = make_member(shop_a.tenant, "cashier")
    for member in (shop_a.cashier, other):
        assert member.client.post("/api/v1/sync/pin", {"pin": "1111"}, format="json").status_code == 200

    with tenant_context(shop_a.tenant):
        a, b = (CashierPin.objects.get(user_id=m.user.pk) for m in (shop_a.cashier, other))
    assert a.salt != b.salt
    assert a.verifier != b.verifier


def test_a_bad_pin_is_refused_and_changes_nothing(shop_a: Shop) -> None:
    for bad in ("12", "12a4", "123456789", "\uff11\uff12\uff13\uff14"):
        response = shop_a.cashier.client.post("/api/v1/sync/pin", {"pin": bad}, format="json")
        assert response.status_code == 400, (bad, response.content)
        assert response.json()["code"] in ("pin_invalid", "invalid", "validation_failed")
    unknown = shop_a.cashier.client.post("/api/v1/sync/pin", {"pin": "1234", "x": 1}, format="json")

    assert unknown.status_code == 400
    with tenant_context(shop_a.tenant):
        assert not CashierPin.objects.exists()


def test_pin_changes_are_throttled(shop_a: Shop) -> None:
    codes = [
        shop_a.cashier.client.post("/api/v1/sync/pin", {"pin": f"{1000 + i}"}, format="json").status_code
        for i in range(11)
    ]

    assert codes == [200] * 10 + [429]
    with tenant_context(shop_a.tenant):
        row = CashierPin.objects.get(user_id=shop_a.cashier.user.pk)
    assert verifies({"salt": row.salt, "iterations": row.iterations, "verifier": row.verifier}, "1009")


def test_an_admin_resets_a_pin_and_a_cashier_cannot(shop_a: Shop, make_member: Callable[..., Member]) -> None:
    shop_a.cashier.client.post("/api/v1/sync/pin", {"pin": "4821"}, format="json")
    other = make_member(shop_a.tenant, "cashier")
    url = f"/api/v1/sync/staff/{shop_a.cashier.membership.pk}/pin"

    denied = other.client.post(url, {"pin": "0000"}, format="json")
    with tenant_context(shop_a.tenant):
        before = CashierPin.objects.get(user_id=shop_a.cashier.user.pk).verifier
    new = shop_a.owner.client.post(url, {"pin": "7777"}, format="json")
    with tenant_context(shop_a.tenant):
        after_new = CashierPin.objects.get(user_id=shop_a.cashier.user.pk)
    cleared = shop_a.owner.client.post(url, {}, format="json")

    assert denied.status_code == 403
    assert (new.status_code, new.json()["pin_set"]) == (200, True)
    assert after_new.verifier != before
    assert (cleared.status_code, cleared.json()["pin_set"]) == (200, False)
    till = pair_terminal(shop_a.tenant, shop_a.storefront)
    snapshot, _ = pull_everything(till)
    assert snapshot["cashiers"][str(shop_a.cashier.user.pk)]["pin"] is None
    with tenant_context(shop_a.tenant):
        assert AuditEvent.objects.filter(action="cashier.pin_reset").count() == 2


def test_nobody_resets_the_pin_of_a_higher_role(shop_a: Shop, make_member: Callable[..., Member]) -> None:
    admin = make_member(shop_a.tenant, "admin")
    owner_membership = shop_a.owner.membership

    response = admin.client.post(
        f"/api/v1/sync/staff/{owner_membership.pk}/pin", {"pin": "1234"}, format="json"
    )

    assert response.status_code == 403
    with tenant_context(shop_a.tenant):
        assert not CashierPin.objects.filter(user_id=shop_a.owner.user.pk).exists()


def test_another_shop_cannot_reset_a_pin_here(
    shop_a: Shop, tenant_b: Tenant, make_member: Callable[..., Member]
) -> None:
    owner_b = make_member(tenant_b, "owner")

    response = owner_b.client.post(
        f"/api/v1/sync/staff/{shop_a.cashier.membership.pk}/pin", {"pin": "1234"}, format="json"
    )

    assert response.status_code == 404
    with tenant_context(shop_a.tenant):
        assert not CashierPin.objects.exists()


def test_the_pull_carries_this_storefronts_stock_levels_and_their_changes(shop_a: Shop) -> None:
    till = pair_terminal(shop_a.tenant, shop_a.storefront)
    rice = shop_a.products["rice"]

    first, cursor = pull_everything(till)
    with tenant_context(shop_a.tenant):
        levels = dict(
            StockLevel.objects.filter(storefront=shop_a.storefront).values_list("product_id", "quantity")
        )
        for storefront, quantity in ((shop_a.storefront, "5"), (shop_a.other_storefront, "7")):
            stock_receive(
                storefront_id=storefront.pk,
                lines=[StockLine(product_id=rice.pk, quantity=Decimal(quantity))],
                actor=Actor.system("tests"),
            )
    again, _ = pull_everything(till, cursor)

    assert {k: Decimal(v["quantity"]) for k, v in first["stock_levels"].items()} == {
        str(k): v for k, v in levels.items()
    }
    assert Decimal(first["products"][str(rice.pk)]["reorder_level"]) == rice.reorder_level
    # Only this storefront's level, and only what changed (within the overlap) comes again.
    assert Decimal(again["stock_levels"][str(rice.pk)]["quantity"]) == levels[rice.pk] + 5


def test_an_applied_sale_comes_back_with_its_receipt_address_also_when_sent_again(shop_a: Shop) -> None:
    till = pair_terminal(shop_a.tenant, shop_a.storefront)
    body = batch(sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "1")]))

    [first] = results(push(till.client, body))
    [replayed] = results(push(till.client, body))
    [again] = results(push(till.client, batch(body["ops"][0])))

    assert first["receipt_url"].startswith("http")
    assert "/r/" in first["receipt_url"]
    assert replayed == first
    assert again["status"] == "duplicate"
    assert again["receipt_url"] == first["receipt_url"]
    page = till.client.get(urlsplit(first["receipt_url"]).path)
    assert page.status_code == 200
    assert b"ACC-T1-000001" in page.content
