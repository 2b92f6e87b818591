"""The terminal pages: create a terminal and read its pairing code (large and as a QR code), pair
a device with it through the API, a new code, revoke with what happens to its sales; the API's
``terminal.manage`` rule."""

from __future__ import annotations

import re
from typing import Any

from django.test import Client
from django_tenants.utils import tenant_context

from sync.models import Terminal
from tests.conftest import Shop, api_client
from tests.portal.conftest import html, portal_client


def create(client: Client, shop: Shop, code: str = "T2", name: str = "Till by the door") -> Any:
    return client.post(
        "/portal/terminals/new", {"storefront": str(shop.storefront.pk), "code": code, "name": name}
    )


def pairing_code(page: str) -> str:
    found = re.search(r"data-pairing-code>([A-Z0-9]{4}-[A-Z0-9]{4})<", page)
    assert found, "no pairing code on the page"
    return found.group(1)


def terminals(shop: Shop, **filters: Any) -> list[Terminal]:
    with tenant_context(shop.tenant):
        return list(Terminal.objects.filter(**filters))


def pair(shop: Shop, code: str) -> Any:
    return api_client(shop.tenant.slug).post(
        "/api/v1/sync/pair", {"code": code, "device_name": "Tecno", "app_version": "1.2.0"}, format="json"
    )


def test_a_new_terminal_shows_a_pairing_code_that_pairs_a_device(shop: Shop, owner_portal: Client) -> None:
    created = create(owner_portal, shop)
    [terminal] = terminals(shop, code="T2")

    page = html(owner_portal.get(created["Location"]))
    code = pairing_code(page)
    paired = pair(shop, code)
    after = html(owner_portal.get(f"/portal/terminals/{terminal.pk}"))

    assert created.status_code == 302
    assert created["Location"] == f"/portal/terminals/{terminal.pk}"
    assert '<svg viewBox="' in page  # the QR code, inline
    assert 'class="qr"' in page
    assert paired.status_code == 201, paired.json()
    assert paired.json()["terminal_id"] == str(terminal.pk)
    assert code not in after  # used: no longer shown
    assert "1.2.0" in after
    assert "Tecno" in after


def test_the_code_stays_with_the_session_that_made_it(
    shop: Shop, owner_portal: Client, make_member: Any
) -> None:
    create(owner_portal, shop)
    [terminal] = terminals(shop, code="T2")
    admin = portal_client(make_member(shop.tenant, "admin"), shop.tenant)

    again = html(owner_portal.get(f"/portal/terminals/{terminal.pk}"))
    other = html(admin.get(f"/portal/terminals/{terminal.pk}"))

    assert pairing_code(again)
    assert "data-pairing-code" not in other
    assert "New pairing code" in other


def test_a_new_code_replaces_the_old_one(shop: Shop, owner_portal: Client) -> None:
    created = create(owner_portal, shop)
    old = pairing_code(html(owner_portal.get(created["Location"])))

    renewed = owner_portal.post(created["Location"] + "/pairing-code")
    new = pairing_code(html(owner_portal.get(renewed["Location"])))

    assert new != old
    assert pair(shop, old).status_code == 400
    assert pair(shop, new).status_code == 201


def test_a_taken_code_is_refused_on_the_form_and_nothing_is_created(shop: Shop, owner_portal: Client) -> None:
    create(owner_portal, shop)

    response = create(owner_portal, shop, name="Another")

    assert response.status_code == 400
    assert "Another terminal of this storefront uses this code." in html(response)
    assert [t.name for t in terminals(shop, code="T2")] == ["Till by the door"]


def test_revoking_says_what_happens_to_sales_and_the_device_is_refused(
    shop: Shop, owner_portal: Client
) -> None:
    created = create(owner_portal, shop)
    credential = pair(shop, pairing_code(html(owner_portal.get(created["Location"])))).json()["credential"]
    device = api_client(shop.tenant.slug)
    device.credentials(HTTP_AUTHORIZATION=f"Bearer {credential}")

    confirm = html(owner_portal.get(created["Location"] + "/revoke"))
    revoked = owner_portal.post(created["Location"] + "/revoke", {"reason": "stolen"})
    refused = device.get("/api/v1/sync/status")

    assert "Sales the device still holds are not lost." in confirm
    assert revoked.status_code == 302
    assert "The terminal is revoked." in html(owner_portal.get(revoked["Location"]))
    assert [t.status for t in terminals(shop, code="T2")] == ["revoked"]
    assert refused.status_code == 401
    assert refused.json()["code"] == "terminal_revoked"


def test_a_cashier_cannot_manage_terminals(shop: Shop) -> None:
    cashier = portal_client(shop.cashier, shop.tenant)

    listing = cashier.get("/portal/terminals")
    created = create(cashier, shop)

    assert listing.status_code == created.status_code == 403
    assert terminals(shop) == []


def test_a_manager_of_another_storefront_gets_not_found(
    shop: Shop, owner_portal: Client, make_member: Any
) -> None:
    created = create(owner_portal, shop)
    manager = portal_client(
        make_member(shop.tenant, "manager", storefront_id=shop.other_storefront.pk), shop.tenant
    )

    listing = html(manager.get("/portal/terminals"))
    detail = manager.get(created["Location"])
    revoke = manager.post(created["Location"] + "/revoke", {"reason": "x"})
    elsewhere = create(manager, shop, code="T3")

    assert created["Location"] not in listing
    assert detail.status_code == revoke.status_code == 404
    assert elsewhere.status_code == 400  # its storefront is not among the choices
    assert [t.status for t in terminals(shop)] == ["pending"]


def test_another_shops_owner_gets_not_found(
    shop: Shop, owner_portal: Client, tenant_b: Any, make_member: Any
) -> None:
    created = create(owner_portal, shop)
    other = portal_client(make_member(tenant_b, "owner"), tenant_b)

    assert other.post(created["Location"] + "/revoke", {"reason": "x"}).status_code == 404
    assert [t.status for t in terminals(shop)] == ["pending"]
