"""Shop settings, payment methods, storefronts, the demo seed and `tenant reconcile`."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.management import CommandError, call_command
from django.db import connection as django_connection

from pos_platform.db import connection
from pos_platform.demo import DemoContext
from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.tenants.models import Tenant
from tenant_apps.catalog.models import Product
from tenant_apps.inventory.models import StockLevel
from tenant_apps.sales.models import PaymentMethod
from tenant_apps.shop.demo import seed_demo_shop
from tenant_apps.shop.models import ShopSettings
from tenant_apps.storefronts.models import Storefront
from tenant_apps.taxes.models import TaxRate
from tests.conftest import Shop, api_client
from tests.sales.helpers import sell, use


def test_settings_read_by_members_changed_by_admins_and_audited(shop_a: Shop) -> None:
    assert shop_a.cashier.client.get("/api/v1/settings").json()["prices_include_tax"] is True
    denied = shop_a.cashier.client.patch("/api/v1/settings", {"allow_negative_stock": True}, format="json")
    bad = shop_a.owner.client.patch("/api/v1/settings", {"minor_unit": 3}, format="json")
    done = shop_a.owner.client.patch("/api/v1/settings", {"prices_include_tax": False}, format="json")

    assert denied.status_code == 403
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    assert done.json()["prices_include_tax"] is False
    settings = ShopSettings.objects.get()
    assert (settings.allow_negative_stock, settings.minor_unit) == (False, 2)  # the refusals changed nothing
    assert AuditEvent.objects.filter(action="settings.update").count() == 1
    # Tax is now added on top of the shelf price.
    assert sell(shop_a, ("rice", 1)).sale.total > 25


def test_payment_methods_are_seeded_and_configurable(shop_a: Shop) -> None:
    owner = shop_a.owner.client
    assert [m["code"] for m in owner.get("/api/v1/payment-methods").json()] == [
        "cash",
        "mobile_money",
        "card",
    ]
    created = owner.post(
        "/api/v1/payment-methods", {"code": "mpesa", "name": "M-Pesa", "kind": "mobile_money"}, format="json"
    )
    taken = owner.post(
        "/api/v1/payment-methods", {"code": "mpesa", "name": "x", "kind": "card"}, format="json"
    )
    bad = owner.post("/api/v1/payment-methods", {"code": "x", "name": "x", "kind": "cheque"}, format="json")
    off = owner.patch(f"/api/v1/payment-methods/{created.json()['id']}", {"is_active": False}, format="json")
    cashier = shop_a.cashier.client.post(
        "/api/v1/payment-methods", {"code": "y", "name": "y", "kind": "card"}, format="json"
    )

    assert created.status_code == 201
    assert (taken.status_code, taken.json()["code"]) == (409, "payment_method_code_taken")
    assert bad.status_code == 400
    assert cashier.status_code == 403
    assert off.json()["is_active"] is False
    assert PaymentMethod.objects.count() == 4
    assert (
        owner.patch(f"/api/v1/payment-methods/{uuid.uuid4()}", {"name": "x"}, format="json").status_code
        == 404
    )


def test_storefronts_api_with_audit_and_scope(shop_a: Shop, make_member) -> None:
    owner = shop_a.owner.client
    created = owner.post("/api/v1/storefronts", {"code": "tma", "name": "Tema"}, format="json")
    bad = owner.post("/api/v1/storefronts", {"code": "T M", "name": "x"}, format="json")
    taken = owner.post("/api/v1/storefronts", {"code": "TMA", "name": "x"}, format="json")
    closed = owner.patch(
        f"/api/v1/storefronts/{created.json()['id']}",
        {"name": "Tema Port", "is_active": False},
        format="json",
    )
    scoped = make_member(shop_a.tenant, "cashier", storefront_id=shop_a.storefront.pk).client

    assert created.json()["code"] == "TMA"
    assert (bad.json()["code"], taken.json()["code"]) == ("storefront_code_invalid", "storefront_code_taken")
    assert (closed.json()["name"], closed.json()["is_active"]) == ("Tema Port", False)
    assert [s["code"] for s in scoped.get("/api/v1/storefronts").json()] == ["ACC"]
    assert scoped.get(f"/api/v1/storefronts/{shop_a.other_storefront.pk}").status_code == 404
    assert scoped.post("/api/v1/storefronts", {"code": "X1", "name": "x"}, format="json").status_code == 403
    assert sorted(
        AuditEvent.objects.filter(object_type="storefront", object_id=created.json()["id"]).values_list(
            "action", flat=True
        )
    ) == ["storefront.create", "storefront.deactivate", "storefront.update"]
    assert Storefront.objects.count() == 3
    renamed = scoped.patch(f"/api/v1/storefronts/{shop_a.storefront.pk}", {"name": "x"}, format="json")
    assert renamed.status_code == 403
    assert Storefront.objects.get(pk=shop_a.storefront.pk).name == "Accra Central"


def test_settings_and_storefront_isolation(shop_a: Shop, shop_b: Shop) -> None:
    use(shop_a)
    foreign = api_client("beta")
    foreign.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_a.owner.token}")
    assert foreign.get("/api/v1/settings").status_code == 401
    assert foreign.get("/api/v1/payment-methods").status_code == 401
    response = shop_b.owner.client.patch(
        f"/api/v1/storefronts/{shop_a.storefront.pk}", {"name": "x"}, format="json"
    )
    assert response.status_code == 404
    use(shop_a)
    assert Storefront.objects.get(pk=shop_a.storefront.pk).name == "Accra Central"


def test_demo_seed_makes_a_shop_with_stock_and_taxes_and_is_idempotent(tenant_a: Tenant) -> None:
    connection.set_tenant(tenant_a)
    context = DemoContext(tenant=tenant_a)

    seed_demo_shop(context)
    seed_demo_shop(context)

    assert Storefront.objects.filter(code="ACC").count() == 1
    assert Product.objects.count() == 7
    assert StockLevel.objects.filter(quantity__gt=0).count() == 6
    assert sorted(TaxRate.objects.values_list("code", flat=True)) == ["COVID", "GETFUND", "NHIL", "VAT"]
    assert ShopSettings.objects.count() == 1
    assert "Demo storefront" in context.lines[-1]


def test_tenant_reconcile_passes_then_exits_1_with_a_readable_report(shop_a: Shop) -> None:
    sell(shop_a, ("rice", 2))
    out = io.StringIO()
    call_command("tenant", "reconcile", "alpha", stdout=out)
    assert "the books balance" in out.getvalue()

    use(shop_a)
    with django_connection.cursor() as cursor:
        cursor.execute(
            "UPDATE inventory_level SET quantity = quantity + 1 WHERE product_id = %s",
            [shop_a.products["rice"].pk],
        )
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("tenant", "reconcile", "alpha", stdout=out)

    assert error.value.returncode == 1
    assert "FAIL stock levels = sum of movements" in out.getvalue()
    assert f"product {shop_a.products['rice'].pk}" in out.getvalue()


def test_tenant_reconcile_reports_a_sale_line_whose_stock_did_not_move(shop_a: Shop) -> None:
    sell(shop_a, ("rice", 2), ("soap", 1))
    use(shop_a)
    with django_connection.cursor() as cursor:
        # Tamper below the append-only guard, as a faulty import or a manual fix might.
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(
            "UPDATE sales_line SET quantity = quantity + 1 WHERE product_id = %s",
            [shop_a.products["rice"].pk],
        )
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("tenant", "reconcile", "alpha", stdout=out)

    assert error.value.returncode == 1
    report = out.getvalue()
    assert "FAIL stock moved for every tracked sale line" in report
    assert f"product {shop_a.products['rice'].sku}: sold 3.000, stock moved 2.000" in report
    assert f"product {shop_a.products['soap'].sku}" not in report
