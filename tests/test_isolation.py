"""Tenant isolation for every POS endpoint: a credential of tenant A is useless at B's host
(401), and an object id of A used at B's host is unknown there (404), with nothing written."""

from __future__ import annotations

from typing import Any

import pytest

from pos_platform.db import connection
from pos_platform.kernel.audit.models import AuditEvent
from tests.conftest import Shop, api_client
from tests.sales.helpers import counts, sell, use

# (method, path template); {ids} are filled with tenant A's objects.
ENDPOINTS = [
    ("get", "/api/v1/storefronts"),
    ("post", "/api/v1/storefronts"),
    ("get", "/api/v1/storefronts/{storefront}"),
    ("patch", "/api/v1/storefronts/{storefront}"),
    ("get", "/api/v1/settings"),
    ("patch", "/api/v1/settings"),
    ("get", "/api/v1/tax-categories"),
    ("post", "/api/v1/tax-categories"),
    ("get", "/api/v1/tax-rates"),
    ("post", "/api/v1/tax-rates"),
    ("post", "/api/v1/tax-rates/{rate}/end"),
    ("get", "/api/v1/products"),
    ("post", "/api/v1/products"),
    ("get", "/api/v1/products/{product}"),
    ("patch", "/api/v1/products/{product}"),
    ("get", "/api/v1/products/{product}/prices"),
    ("post", "/api/v1/products/{product}/prices"),
    ("get", "/api/v1/stock/levels"),
    ("get", "/api/v1/stock/movements"),
    ("post", "/api/v1/stock/receipts"),
    ("post", "/api/v1/stock/adjustments"),
    ("post", "/api/v1/stock/counts"),
    ("post", "/api/v1/stock/transfers"),
    ("get", "/api/v1/sales"),
    ("post", "/api/v1/sales"),
    ("get", "/api/v1/sales/{sale}"),
    ("post", "/api/v1/sales/{sale}/void"),
    ("post", "/api/v1/sales/{sale}/refunds"),
    ("get", "/api/v1/payment-methods"),
    ("post", "/api/v1/payment-methods"),
    ("patch", "/api/v1/payment-methods/{method}"),
    ("get", "/api/v1/shifts"),
    ("post", "/api/v1/shifts"),
    ("get", "/api/v1/shifts/{shift}"),
    ("post", "/api/v1/shifts/{shift}/cash-movements"),
    ("post", "/api/v1/shifts/{shift}/close"),
    ("get", "/api/v1/reports/daily"),
    ("get", "/api/v1/reports/trend"),
    ("get", "/api/v1/reports/top-products"),
    ("get", "/api/v1/reports/low-stock"),
    ("get", "/api/v1/exports/sales.csv"),
    ("get", "/api/v1/exports/stock-movements.csv"),
]


def ids_of(shop: Shop) -> dict[str, Any]:
    from tenant_apps.sales.models import PaymentMethod
    from tenant_apps.shifts.services import shift_open
    from tenant_apps.taxes.models import TaxRate
    from tests.sales.helpers import D

    use(shop)
    from pos_platform.kernel.actors import Actor

    shift = shift_open(
        storefront_id=shop.storefront.pk,
        cashier_id=shop.owner.user.pk,
        opening_float=D(0),
        actor=Actor.system("t"),
    )
    return {
        "storefront": shop.storefront.pk,
        "rate": TaxRate.objects.first().pk,  # type: ignore[union-attr]
        "product": shop.products["rice"].pk,
        "sale": sell(shop, ("rice", 1)).sale.pk,
        "method": PaymentMethod.objects.get(code="cash").pk,
        "shift": shift.pk,
    }


def body_for(shop: Shop, ids: dict[str, Any], path: str) -> dict[str, Any]:
    """A request body that would succeed at tenant A (so only isolation can refuse it)."""
    rice, sf = str(shop.products["rice"].pk), str(shop.storefront.pk)
    line = [{"product_id": rice, "quantity": "1"}]
    return {
        "/api/v1/storefronts": {"code": "ZZ9", "name": "Z"},
        "/api/v1/storefronts/{storefront}": {"name": "Renamed"},
        "/api/v1/settings": {"allow_negative_stock": True},
        "/api/v1/tax-categories": {"code": "ZZ", "name": "Z"},
        "/api/v1/tax-rates": {"category_id": str(shop.standard.pk), "code": "ZZ", "name": "Z", "rate": "1"},
        "/api/v1/products": {"sku": "ZZ", "name": "Z", "price": "1"},
        "/api/v1/products/{product}": {"name": "Renamed"},
        "/api/v1/products/{product}/prices": {"price": "1.00"},
        "/api/v1/stock/receipts": {"storefront_id": sf, "lines": line},
        "/api/v1/stock/adjustments": {"storefront_id": sf, "reason": "lost", "lines": line},
        "/api/v1/stock/counts": {"storefront_id": sf, "lines": line},
        "/api/v1/stock/transfers": {
            "from_storefront_id": sf,
            "to_storefront_id": str(shop.other_storefront.pk),
            "lines": line,
        },
        "/api/v1/sales": {
            "storefront_id": sf,
            "lines": line,
            "payments": [{"method": "cash", "amount": "30"}],
        },
        "/api/v1/sales/{sale}/void": {"reason": "x"},
        "/api/v1/sales/{sale}/refunds": {"reason": "x", "lines": []},
        "/api/v1/payment-methods": {"code": "zz", "name": "Z", "kind": "cash"},
        "/api/v1/payment-methods/{method}": {"name": "Renamed"},
        "/api/v1/shifts": {"storefront_id": sf, "opening_float": "1"},
        "/api/v1/shifts/{shift}/cash-movements": {"kind": "in", "amount": "1", "reason": "x"},
        "/api/v1/shifts/{shift}/close": {"counted": {"cash": "0"}},
    }.get(path, {})


def snapshot() -> tuple[Any, ...]:
    return (*counts().values(), AuditEvent.objects.count())


def test_a_credential_of_one_tenant_is_refused_at_every_endpoint_of_another(
    shop_a: Shop, shop_b: Shop
) -> None:
    ids = ids_of(shop_a)
    before_a = snapshot()
    use(shop_b)
    before_b = snapshot()
    foreign = api_client("beta")
    foreign.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_a.owner.token}")

    for method, template in ENDPOINTS:
        path = template.format(**ids)
        response = getattr(foreign, method)(path, body_for(shop_a, ids, template), format="json")
        assert response.status_code == 401, (method, path, response.status_code)

    use(shop_b)
    assert snapshot() == before_b
    use(shop_a)
    assert snapshot() == before_a


@pytest.mark.parametrize(("method", "template"), [e for e in ENDPOINTS if "{" in e[1]])
def test_an_id_of_one_tenant_is_unknown_at_another(
    shop_a: Shop, shop_b: Shop, method: str, template: str
) -> None:
    ids = ids_of(shop_a)
    use(shop_b)
    before = snapshot()

    response = getattr(shop_b.owner.client, method)(
        template.format(**ids), body_for(shop_a, ids, template), format="json"
    )

    assert response.status_code == 404, (method, template, response.json())
    use(shop_b)
    assert snapshot() == before
    assert connection.tenant.schema_name == shop_b.tenant.schema_name
