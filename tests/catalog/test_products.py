"""Products and prices over the API: history, storefront overrides, audit, bad input, isolation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from pos_platform.kernel.audit.models import AuditEvent
from tenant_apps.catalog.models import Product, ProductPrice
from tests.conftest import Shop, api_client
from tests.sales.helpers import use


def rows() -> tuple[int, int, int]:
    return Product.objects.count(), ProductPrice.objects.count(), AuditEvent.objects.count()


def test_create_update_price_history_and_audit(shop_a: Shop) -> None:
    owner = shop_a.owner.client
    created = owner.post(
        "/api/v1/products",
        {
            "sku": "OIL",
            "name": "Oil 1 l",
            "price": "38.50",
            "barcode": "600123",
            "tax_category_id": str(shop_a.standard.pk),
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    product_id = created.json()["id"]

    changed = owner.patch(
        f"/api/v1/products/{product_id}", {"name": "Vegetable oil 1 l", "reorder_level": "4"}, format="json"
    )
    base = owner.post(f"/api/v1/products/{product_id}/prices", {"price": "40.00"}, format="json")
    override = owner.post(
        f"/api/v1/products/{product_id}/prices",
        {"price": "41.00", "storefront_id": str(shop_a.storefront.pk)},
        format="json",
    )
    history = owner.get(f"/api/v1/products/{product_id}/prices").json()

    assert changed.json()["name"] == "Vegetable oil 1 l"
    assert base.status_code == override.status_code == 201
    assert owner.get(f"/api/v1/products/{product_id}").json()["price"] == "40.00"
    assert sorted(p["price"] for p in history) == ["38.50", "40.00", "41.00"]
    audited = AuditEvent.objects.filter(object_id=product_id)
    assert sorted(audited.values_list("action", flat=True)) == [
        "product.create",
        "product.price_set",
        "product.price_set",
        "product.update",
    ]
    assert set(audited.values_list("actor_id", "actor_label")) == {
        (shop_a.owner.user.pk, shop_a.owner.user.email)
    }
    search = owner.get("/api/v1/products?q=600123").json()["results"]
    assert [p["sku"] for p in search] == ["OIL"]


BAD = [
    ({"sku": "", "name": "x", "price": "1"}, 400, "invalid"),
    ({"sku": "A", "name": "x", "price": "-1"}, 400, "invalid"),
    ({"sku": "A", "name": "x", "price": "abc"}, 400, "invalid"),
    ({"sku": "A", "name": "x", "price": "1.005"}, 400, "invalid"),
    ({"sku": "A", "name": "x", "price": "1e15"}, 400, "invalid"),
    ({"sku": "RICE", "name": "x", "price": "1"}, 409, "sku_taken"),
    (
        {"sku": "A", "name": "x", "price": "1", "tax_category_id": str(uuid.uuid4())},
        400,
        "tax_category_not_found",
    ),
    ({"sku": "A", "name": "x", "price": "1", "reorder_level": "-1"}, 400, "invalid"),
    ({"sku": "A", "name": "x" * 201, "price": "1"}, 400, "invalid"),
]


@pytest.mark.parametrize(("data", "status", "code"), BAD)
def test_bad_products_are_refused(shop_a: Shop, data: dict[str, Any], status: int, code: str) -> None:
    before = rows()
    response = shop_a.owner.client.post("/api/v1/products", data, format="json")
    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert rows() == before


def rice_facts(shop: Shop) -> tuple[object, ...]:
    return Product.objects.filter(pk=shop.products["rice"].pk).values_list(
        "name", "barcode", "tax_category_id", "updated_at"
    )[0]


def test_bad_prices_and_updates_are_refused(shop_a: Shop) -> None:
    rice = shop_a.products["rice"].pk
    owner = shop_a.owner.client
    before = rows()
    facts = rice_facts(shop_a)
    bad_update = owner.patch(f"/api/v1/products/{rice}", {"tax_category_id": "x"}, format="json")
    assert (bad_update.status_code, bad_update.json()["code"]) == (400, "invalid")
    assert rice_facts(shop_a) == facts
    cases = [
        (owner.post(f"/api/v1/products/{rice}/prices", {"price": "-2"}, format="json"), 400, "invalid"),
        (owner.post(f"/api/v1/products/{rice}/prices", {"price": None}, format="json"), 400, "price_invalid"),
        (
            owner.post(
                f"/api/v1/products/{rice}/prices",
                {"price": "1", "storefront_id": str(uuid.uuid4())},
                format="json",
            ),
            400,
            "storefront_not_found",
        ),
        (
            owner.post(f"/api/v1/products/{uuid.uuid4()}/prices", {"price": "1"}, format="json"),
            404,
            "product_not_found",
        ),
        (owner.patch(f"/api/v1/products/{rice}", {"barcode": "6"}, format="json"), 200, None),
    ]
    other = owner.post(
        "/api/v1/products", {"sku": "B2", "name": "b", "price": "1", "barcode": "6"}, format="json"
    )
    assert other.json()["code"] == "barcode_taken"
    for response, status, code in cases:
        assert response.status_code == status, response.json()
        if code:
            assert response.json()["code"] == code
    assert rows()[:2] == before[:2]


def test_cashiers_read_but_cannot_change_the_catalog(shop_a: Shop) -> None:
    cashier = shop_a.cashier.client
    before = rows()

    assert cashier.get("/api/v1/products").status_code == 200
    denied = cashier.post("/api/v1/products", {"sku": "X", "name": "X", "price": "1"}, format="json")
    price = cashier.post(
        f"/api/v1/products/{shop_a.products['rice'].pk}/prices", {"price": "1"}, format="json"
    )

    assert (denied.status_code, price.status_code) == (403, 403)
    assert rows() == before


def test_catalog_isolation(shop_a: Shop, shop_b: Shop) -> None:
    rice = shop_a.products["rice"].pk
    use(shop_a)
    before = rows()

    assert shop_b.owner.client.get(f"/api/v1/products/{rice}").status_code == 404
    assert (
        shop_b.owner.client.patch(f"/api/v1/products/{rice}", {"name": "x"}, format="json").status_code == 404
    )
    assert (
        shop_b.owner.client.post(f"/api/v1/products/{rice}/prices", {"price": "1"}, format="json").status_code
        == 404
    )
    foreign = api_client("beta")
    foreign.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_a.owner.token}")
    assert foreign.get("/api/v1/products").status_code == 401
    use(shop_a)
    assert rows() == before
    assert Product.objects.get(pk=rice).name == "Rice"
