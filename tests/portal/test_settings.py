"""The settings page: the shop's settings and its payment methods through their services; only
``settings.manage``."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.tenants.models import Tenant
from shared_apps.tenants.routing import route_resolve
from tenant_apps.sales.models import PaymentMethod
from tenant_apps.shop.services import shop_settings_get
from tests.conftest import Shop, host_of
from tests.portal.conftest import html, portal_client
from tests.sales.helpers import sell


def test_an_owner_changes_the_settings(shop: Shop, owner_portal: Client) -> None:
    response = owner_portal.post("/portal/settings", {"minor_unit": "0", "allow_negative_stock": "on"})

    assert response.status_code == 302
    settings = shop_settings_get()
    assert (settings.prices_include_tax, settings.allow_negative_stock, settings.minor_unit) == (
        False,
        True,
        0,
    )


def test_an_owner_adds_and_switches_off_a_payment_method(shop: Shop, owner_portal: Client) -> None:
    added = owner_portal.post(
        "/portal/settings", {"code": "momo_mtn", "name": "MTN MoMo", "kind": "mobile_money"}
    )
    method = PaymentMethod.objects.get(code="momo_mtn")
    owner_portal.post(f"/portal/settings/payment-methods/{method.pk}/toggle")
    method.refresh_from_db()

    assert added.status_code == 302
    assert "MTN MoMo" in html(owner_portal.get("/portal/settings"))
    assert method.is_active is False


def test_a_bad_method_is_refused_with_the_services_message(shop: Shop, owner_portal: Client) -> None:
    count = PaymentMethod.objects.count()

    response = owner_portal.post("/portal/settings", {"code": "Bad Code!", "name": "x", "kind": "cash"})

    assert response.status_code == 400
    assert "lower-case letters" in html(response)
    assert PaymentMethod.objects.count() == count


def test_a_manager_cannot_change_settings(shop: Shop, make_member: Any) -> None:
    manager = portal_client(make_member(shop.tenant, "manager"), shop.tenant)
    before = shop_settings_get().minor_unit

    response = manager.post("/portal/settings", {"minor_unit": "0"})

    assert response.status_code == 403
    assert shop_settings_get().minor_unit == before


def test_an_owner_sets_the_receipt_texts_printed_on_the_receipt(shop: Shop, owner_portal: Client) -> None:
    response = owner_portal.post(
        "/portal/settings",
        {
            "minor_unit": "2",
            "prices_include_tax": "on",
            "receipt_header": "12 Ring Road\r\nTel 024 000 0000  ",
            "receipt_footer": "No refunds after 7 days",
        },
    )
    recorded = sell(shop, ("rice", 1))
    receipt = html(owner_portal.get(f"/portal/sales/{recorded.sale.pk}/receipt"))

    assert response.status_code == 302
    settings = shop_settings_get()
    assert (settings.receipt_header, settings.receipt_footer) == (
        "12 Ring Road\nTel 024 000 0000",
        "No refunds after 7 days",
    )
    assert "12 Ring Road<br>Tel 024 000 0000" in receipt
    assert "No refunds after 7 days" in receipt
    assert "12 Ring Road" in html(owner_portal.get("/portal/settings"))


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("x" * 201, "at most 200 characters"),
        ("a\nb\nc\nd\ne", "at most 200 characters on 4 lines"),
        ("bell\x07", "control character U+0007"),
        ("tab\there", "contains a tab"),
    ],
)
def test_a_bad_receipt_text_is_refused_and_changes_nothing(
    shop: Shop, owner_portal: Client, header: str, message: str
) -> None:
    before = shop_settings_get()

    response = owner_portal.post(
        "/portal/settings", {"minor_unit": "0", "receipt_header": header, "receipt_footer": "Bye"}
    )

    assert response.status_code == 400
    assert message in html(response)
    after = shop_settings_get()
    assert (after.minor_unit, after.receipt_header, after.receipt_footer) == (
        before.minor_unit,
        before.receipt_header,
        before.receipt_footer,
    )


def test_the_owner_changes_the_time_zone_as_tenant_update_does(shop: Shop, owner_portal: Client) -> None:
    host = host_of(shop.tenant.slug)
    assert route_resolve(host) is not None  # cached now

    response = owner_portal.post("/portal/settings", {"timezone": " Africa/Lagos "})

    assert response.status_code == 302
    assert Tenant.objects.get(pk=shop.tenant.pk).timezone == "Africa/Lagos"
    route = route_resolve(host)
    assert route is not None
    assert route.timezone == "Africa/Lagos"
    entry = PlatformAuditEntry.objects.get(action="tenant.update", tenant_slug=shop.tenant.slug)
    assert entry.actor == f"portal:{shop.owner.user.email}"
    assert entry.details["timezone"] == {"from": "Africa/Accra", "to": "Africa/Lagos"}
    event = AuditEvent.objects.get(action="settings.update")
    assert event.details == {"timezone": {"from": "Africa/Accra", "to": "Africa/Lagos"}}
    assert 'value="Africa/Lagos"' in html(owner_portal.get("/portal/settings"))


def test_an_unknown_time_zone_is_refused_and_changes_nothing(shop: Shop, owner_portal: Client) -> None:
    response = owner_portal.post("/portal/settings", {"timezone": "Mars/Olympus"})

    assert response.status_code == 400
    assert "IANA name" in html(response)
    assert Tenant.objects.get(pk=shop.tenant.pk).timezone == "Africa/Accra"
    assert not PlatformAuditEntry.objects.filter(action="tenant.update").exists()
    assert not AuditEvent.objects.filter(action="settings.update").exists()


def test_an_admin_sees_the_time_zone_but_cannot_change_it(shop: Shop, make_member: Any) -> None:
    admin = portal_client(make_member(shop.tenant, "admin"), shop.tenant)

    page = html(admin.get("/portal/settings"))
    response = admin.post("/portal/settings", {"timezone": "Africa/Lagos"})

    assert "Africa/Accra" in page
    assert 'name="timezone"' not in page
    assert response.status_code == 403
    assert Tenant.objects.get(pk=shop.tenant.pk).timezone == "Africa/Accra"
    assert not PlatformAuditEntry.objects.filter(action="tenant.update").exists()
