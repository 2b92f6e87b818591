"""POST/GET /api/v1/sales: the online API over sale_record."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pos_platform.kernel.actors import Actor
from shared_apps.tenants.models import Tenant
from tenant_apps.sales.models import Sale
from tenant_apps.sales.services import PaymentInput, RefundLineInput, sale_refund
from tests.conftest import Shop, api_client
from tests.sales.helpers import D, counts, sell, use


def body(shop: Shop, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "storefront_id": str(shop.storefront.pk),
        "lines": [{"product_id": str(shop.products["rice"].pk), "quantity": "2"}],
        "payments": [{"method": "cash", "amount": "60.00"}],
    }
    data.update(overrides)
    return data


def post(member: Any, data: Any, **headers: str) -> Any:
    return member.client.post("/api/v1/sales", data, format="json", **headers)


def test_a_sale_is_created_with_server_figures(shop_a: Shop) -> None:
    response = post(shop_a.cashier, body(shop_a))

    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["total"], data["paid_total"], data["change_total"], data["status"]) == (
        "50.00",
        "50.00",
        "10.00",
        "completed",
    )
    assert data["lines"][0]["unit_price"] == "25.00"
    assert [t["code"] for t in data["taxes"]] == ["NHIL", "GETFUND", "COVID", "VAT"]
    assert data["cashier_id"] == str(shop_a.cashier.user.pk)
    # The sale reads the same in its answer, on its own and in the list.
    detail = shop_a.cashier.client.get(f"/api/v1/sales/{data['id']}").json()
    [listed] = shop_a.cashier.client.get("/api/v1/sales").json()["results"]
    assert detail == {**data, "events": detail["events"]}
    assert [e["kind"] for e in detail["events"]] == ["created"]
    assert {k: listed[k] for k in listed if k != "occurred_at"} == {
        k: data[k] for k in listed if k != "occurred_at"
    }
    assert dt.datetime.fromisoformat(listed["occurred_at"]) == dt.datetime.fromisoformat(data["occurred_at"])


BAD = [
    ({"lines": "rice"}, 400, "invalid"),
    ({"lines": []}, 400, "invalid"),
    ({"lines": [{"product_id": "nope", "quantity": "1"}]}, 400, "invalid"),
    ({"lines": [{"quantity": "1"}]}, 400, "invalid"),
    ({"lines": [{"product_id": "RICE", "quantity": "-1"}]}, 400, "invalid"),
    ({"lines": [{"product_id": "RICE", "quantity": "0"}]}, 400, "sale_invalid"),
    ({"lines": [{"product_id": "RICE", "quantity": "1e9"}]}, 400, "invalid"),
    ({"lines": [{"product_id": "RICE", "quantity": "abc"}]}, 400, "invalid"),
    ({"lines": [{"product_id": "RICE", "quantity": True}]}, 400, "invalid"),
    ({"lines": [{"product_id": "RICE", "quantity": "1", "discount": "-5"}]}, 400, "invalid"),
    ({"lines": [{"product_id": "RICE", "quantity": "1", "discount": "26"}]}, 400, "discount_too_large"),
    ({"lines": [{"product_id": str(uuid.uuid4()), "quantity": "1"}]}, 400, "product_not_found"),
    (
        {
            "lines": [{"product_id": "RICE", "quantity": "500"}],
            "payments": [{"method": "cash", "amount": "20000"}],
        },
        409,
        "insufficient_stock",
    ),
    ({"storefront_id": str(uuid.uuid4())}, 400, "storefront_not_found"),
    ({"storefront_id": "twelve"}, 400, "invalid"),
    ({"payments": []}, 400, "payment_required"),
    ({"payments": "cash"}, 400, "invalid"),
    ({"payments": [{"method": "cash", "amount": "10.00"}]}, 409, "underpaid"),
    ({"payments": [{"method": "cash", "amount": "-60"}]}, 400, "invalid"),
    ({"payments": [{"method": "cash", "amount": "99999999999999"}]}, 400, "invalid"),
    (
        {"payments": [{"method": "card", "amount": "80.00", "card_last4": "4242", "auth_code": "X"}]},
        409,
        "overpaid",
    ),
    ({"payments": [{"method": "card", "amount": "50.00"}]}, 400, "payment_invalid"),
    ({"payments": [{"method": "gold", "amount": "50.00"}]}, 400, "payment_method_unknown"),
    ({"discount": "abc"}, 400, "invalid"),
    ({"discount": "51"}, 400, "discount_too_large"),
    ({"expected_total": "49.00"}, 409, "total_mismatch"),
]


@pytest.mark.parametrize(("change", "status", "code"), BAD, ids=[f"{i}-{c[2]}" for i, c in enumerate(BAD)])
def test_bad_input_is_refused_with_a_stable_code_and_writes_nothing(
    shop_a: Shop, change: dict[str, Any], status: int, code: str
) -> None:
    data = body(shop_a, **change)
    for line in data["lines"] if isinstance(data["lines"], list) else []:
        if line.get("product_id") == "RICE":
            line["product_id"] = str(shop_a.products["rice"].pk)
    before = counts()

    response = post(shop_a.owner, data)

    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert counts() == before


def test_malformed_json_is_400(shop_a: Shop) -> None:
    before = counts()
    response = shop_a.owner.client.post("/api/v1/sales", "{not json", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "malformed_request")
    assert counts() == before


def test_idempotency_key_replays_the_response_and_refuses_a_different_body(shop_a: Shop) -> None:
    first = post(shop_a.cashier, body(shop_a), HTTP_IDEMPOTENCY_KEY="till-1-0001")
    again = post(shop_a.cashier, body(shop_a), HTTP_IDEMPOTENCY_KEY="till-1-0001")
    before = counts()
    other = post(shop_a.cashier, body(shop_a, discount="1.00"), HTTP_IDEMPOTENCY_KEY="till-1-0001")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Sale.objects.count() == 1
    assert (other.status_code, other.json()["code"]) == (422, "idempotency_key_reused")
    assert counts() == before


def test_a_refused_request_does_not_burn_its_idempotency_key(shop_a: Shop) -> None:
    refused = post(shop_a.cashier, body(shop_a, payments=[]), HTTP_IDEMPOTENCY_KEY="k")
    corrected = post(shop_a.cashier, body(shop_a), HTTP_IDEMPOTENCY_KEY="k")
    replayed_refusal = post(shop_a.cashier, body(shop_a, payments=[]), HTTP_IDEMPOTENCY_KEY="k")

    assert refused.status_code == 400
    assert corrected.status_code == 201
    assert (replayed_refusal.status_code, replayed_refusal.json()["code"]) == (422, "idempotency_key_reused")
    assert list(Sale.objects.values_list("id", flat=True)) == [uuid.UUID(corrected.json()["id"])]


def test_roles_and_storefront_scope(shop_a: Shop, make_member) -> None:
    elsewhere = make_member(shop_a.tenant, "cashier", storefront_id=shop_a.other_storefront.pk)
    before = counts()

    response = post(elsewhere, body(shop_a))

    assert (response.status_code, response.json()["code"]) == (403, "storefront_forbidden")
    assert counts() == before


def test_scoped_members_see_only_their_storefronts_sales(shop_a: Shop, make_member) -> None:
    mine = sell(shop_a, ("rice", 1)).sale
    manager = make_member(shop_a.tenant, "manager")
    theirs = post(
        manager,
        body(
            shop_a,
            storefront_id=str(shop_a.other_storefront.pk),
            lines=[{"product_id": str(shop_a.products["airtime"].pk), "quantity": "1"}],
        ),
    )
    assert theirs.status_code == 201, theirs.json()
    elsewhere = make_member(shop_a.tenant, "cashier", storefront_id=shop_a.other_storefront.pk)

    listed = elsewhere.client.get("/api/v1/sales").json()["results"]
    hidden = elsewhere.client.get(f"/api/v1/sales/{mine.pk}")

    assert [s["id"] for s in listed] == [theirs.json()["id"]]
    assert hidden.status_code == 404


def test_tenant_isolation(shop_a: Shop, shop_b: Shop) -> None:
    use(shop_a)
    sale = sell(shop_a, ("rice", 1)).sale
    stranger = shop_b.owner

    assert stranger.client.get(f"/api/v1/sales/{sale.pk}").status_code == 404
    assert (
        stranger.client.post(f"/api/v1/sales/{sale.pk}/void", {"reason": "x"}, format="json").status_code
        == 404
    )
    # A's storefront and products are unknown at B.
    response = post(stranger, body(shop_a))
    assert response.status_code == 400
    assert response.json()["code"] == "storefront_not_found"
    # A's credential at B's host.
    foreign = api_client("beta")
    foreign.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_a.owner.token}")
    assert foreign.get("/api/v1/sales").status_code == 401
    assert foreign.post("/api/v1/sales", body(shop_b), format="json").status_code == 401


def test_unauthenticated_is_401(tenant_a: Tenant) -> None:
    assert api_client("alpha").post("/api/v1/sales", {}, format="json").status_code == 401


def test_the_sale_endpoint_runs_a_fixed_number_of_queries(shop_a: Shop) -> None:
    shop_a.cashier.client.get("/api/v1/settings")  # warms the route cache and the token touch
    with CaptureQueriesContext(connection) as queries:
        response = post(shop_a.cashier, body(shop_a), HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert response.status_code == 201
    many = body(
        shop_a,
        lines=[{"product_id": str(p.pk), "quantity": "1"} for p in shop_a.products.values()],
        payments=[{"method": "cash", "amount": "100.00"}],
    )
    with CaptureQueriesContext(connection) as more:
        response = post(shop_a.cashier, many, HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
    assert response.status_code == 201, response.json()

    sql = [q["sql"].split()[0] for q in queries.captured_queries]
    # token with its membership, (savepoint of the test transaction), idempotency claim, context,
    # prices and taxes, insert everything + receipt number, levels, idempotency store, (release);
    # the service adds no savepoint of its own inside the idempotency transaction.
    assert len(sql) == 9, sql
    assert len(more.captured_queries) == len(sql)


def test_list_queries_do_not_grow_with_the_page(shop_a: Shop) -> None:
    for _ in range(3):
        sell(shop_a, ("rice", 1))
    shop_a.owner.client.get("/api/v1/sales")
    with CaptureQueriesContext(connection) as few:
        shop_a.owner.client.get("/api/v1/sales?limit=1")
    with CaptureQueriesContext(connection) as many:
        assert len(shop_a.owner.client.get("/api/v1/sales?limit=50").json()["results"]) == 3
    assert len(many.captured_queries) == len(few.captured_queries)


def test_sale_detail_has_a_constant_number_of_queries(shop_a: Shop) -> None:
    small = sell(shop_a, ("rice", 1)).sale
    big = sell(
        shop_a,
        ("rice", 2),
        ("soap", 2),
        ("water", 1),
        pay=[
            PaymentInput("card", D("10.00"), card_last4="4242", auth_code="A1"),
            PaymentInput("cash", D("100.00")),
        ],
    ).sale
    lines = list(big.lines.order_by("position"))
    for line in lines[:2]:
        sale_refund(
            sale_id=big.pk,
            lines=[RefundLineInput(line.pk, D(1))],
            actor=Actor.of_user(shop_a.owner.user),
            reason="r",
            payment_method="card",
        )
    shop_a.owner.client.get(f"/api/v1/sales/{small.pk}")
    counted = []
    for sale in (small, big):
        with CaptureQueriesContext(connection) as queries:
            response = shop_a.owner.client.get(f"/api/v1/sales/{sale.pk}")
        assert response.status_code == 200
        counted.append([q["sql"][:60] for q in queries.captured_queries])

    # token with its membership, sale, lines, payments with their methods, events with their
    # methods, refund lines: whatever the number of lines, payments and events.
    assert len(counted[0]) == len(counted[1]) == 6, counted
    assert [e["payment_method"] for e in response.json()["events"]] == [None, "card", "card"]
    assert [p["method"] for p in response.json()["payments"]] == ["card", "cash"]
