"""The API's edge, at every endpoint (derived from the URL resolver and the served schema): deep
bodies, control characters, unknown fields and bad query parameters are refused with a 400
naming the problem, before any work and with nothing written."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest
from django.conf import settings

from pos_platform.db import connection
from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.accounts.models import ApiToken, Membership
from sync.models import Op
from tenant_apps.catalog.models import Product, ProductPrice
from tests.api.conftest import ANONYMOUS_PATHS, TERMINAL_PATHS, World, api_routes, served_schema
from tests.conftest import api_client
from tests.sales.helpers import counts
from tests.sync.ops import batch, push, sale

PUSH = "/api/v1/sync/push"
# The payment provider's webhook takes the provider's whole event (it reads a few fields and
# ignores the rest: unknown fields are the provider's to add).
WEBHOOK = "/api/v1/billing/webhooks/paystack"


def snapshot(world: World) -> tuple[Any, ...]:
    connection.set_tenant(world.shop.tenant)
    return (
        *counts().values(),
        Product.objects.count(),
        ProductPrice.objects.count(),
        AuditEvent.objects.count(),
        Op.objects.count(),
        ApiToken.objects.count(),
        Membership.objects.count(),
    )


def sales_and_stock(world: World) -> tuple[Any, ...]:
    """The part of :func:`snapshot` that a product created on purpose leaves alone."""
    return snapshot(world)[:6]


def writes(schema: dict[str, Any]) -> list[tuple[str, str]]:
    """(method, path) of every operation of the schema that takes a JSON body."""
    return [
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if method in ("post", "patch", "put")
        and "application/json" in operation.get("requestBody", {}).get("content", {})
    ]


def send(world: World, method: str, path: str, body: bytes, **headers: Any) -> Any:
    client = world.client_for(path) if path != WEBHOOK else api_client(None)
    return client.generic(method.upper(), world.path(path), body, content_type="application/json", **headers)


def test_the_schema_lists_every_route_of_the_resolver(tenant_a: Any) -> None:
    for slug, urlconf in (("alpha", "pos_platform.urls_tenant"), (None, "pos_platform.urls_public")):
        schema = served_schema(slug)
        routes = api_routes(urlconf)
        assert set(schema["paths"]) >= set(routes), set(routes) - set(schema["paths"])
        for path, methods in routes.items():
            assert set(schema["paths"][path]) == methods, path
    assert len(api_routes("pos_platform.urls_tenant")) >= 60


def test_deep_bodies_are_refused_at_every_endpoint(world: World) -> None:
    depth = settings.POS_MAX_JSON_DEPTH
    deep = b"[" * (depth + 1) + b"]" * (depth + 1)
    nested = json.dumps({"a": json.loads(b"[" * depth + b"]" * depth)}).encode()
    targets = [*writes(served_schema("alpha")), ("post", WEBHOOK)]
    assert {("post", PUSH), ("post", "/api/v1/auth/login"), ("post", "/api/v1/sync/pair")} <= set(targets)
    before = snapshot(world)

    for method, path in targets:
        for body in (deep, b'{"k": ' + deep + b"}", b"{" + b'"k":{' * depth + b"}" * (depth + 1), nested):
            response = send(world, method, path, body)
            assert response.status_code == 400, (method, path, response.content[:200])
            assert response.json()["code"] == "body_too_deep", (method, path)
    # Gzip-encoded uploads are inflated for the check.
    response = send(world, "post", PUSH, gzip.compress(deep), HTTP_CONTENT_ENCODING="gzip")
    assert (response.status_code, response.json()["code"]) == (400, "body_too_deep")
    # Brackets inside strings are text, not nesting.
    name = "[" * (depth * 4)
    response = world.shop.owner.client.post(
        "/api/v1/products", {"sku": "DEEP", "name": name, "price": "1"}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert sales_and_stock(world) == before[:6]


@pytest.mark.parametrize(
    ("text", "reason"),
    [("a\x00b", "NUL"), ("bell\x07", "U+0007"), ("esc\x1b[0m", "U+001B"), ("c1\x85", "U+0085")],
)
def test_control_characters_are_refused_at_every_online_write(world: World, text: str, reason: str) -> None:
    before = snapshot(world)
    for method, path in writes(served_schema("alpha")):
        if path == PUSH:
            continue
        body = json.dumps({"note": text, "name": "x"}).encode()
        response = send(world, method, path, body)
        assert response.status_code == 400, (method, path, response.content[:200])
        assert response.json()["code"] == "text_invalid", (method, path, response.json())
        assert response.json()["details"] == {"field": "note"}
        assert reason in response.json()["message"]
    assert snapshot(world) == before


def test_lone_surrogates_and_bad_names_are_refused(world: World) -> None:
    before = snapshot(world)
    client = world.shop.owner.client
    for raw, field in (
        (b'{"sku": "S1", "name": "\\ud800", "price": "1"}', "name"),
        (b'{"sku": "S1", "name": "ok", "price": "1", "\\u0000": 1}', "\x00"),
        (b'{"sku": "S1", "name": "ok", "price": "1", "lines": [{"n": "\\udc00"}]}', "lines[0].n"),
    ):
        response = client.generic("POST", "/api/v1/products", raw, content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (400, "text_invalid"), response.json()
        assert response.json()["details"]["field"] == field
    # Tab, line feed and carriage return are text.
    ok = client.post("/api/v1/products", {"sku": "S2", "name": "Rice\t5 kg\r\n", "price": "1"}, format="json")
    assert ok.status_code == 201, ok.json()
    assert sales_and_stock(world) == before[:6]


def test_unknown_fields_are_refused_at_every_online_write(world: World) -> None:
    before = snapshot(world)
    for method, path in writes(served_schema("alpha")):
        if path == PUSH:
            continue
        response = send(world, method, path, json.dumps({"colour": "blue"}).encode())
        assert response.status_code == 400, (method, path, response.content[:200])
        assert response.json()["code"] == "field_unknown", (method, path, response.json())
        assert response.json()["details"]["field"] == "colour"
    assert snapshot(world) == before


def test_an_unknown_field_deep_in_a_sale_is_named(world: World) -> None:
    shop = world.shop
    before = snapshot(world)
    body = {
        "storefront_id": str(shop.storefront.pk),
        "lines": [
            {"product_id": str(shop.products["rice"].pk), "quantity": "1"},
            {"product_id": str(shop.products["soap"].pk), "quantity": "1", "colour": "blue"},
        ],
        "payments": [{"method": "cash", "amount": "100", "tip": "1"}],
    }
    response = shop.owner.client.post("/api/v1/sales", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "field_unknown"
    assert response.json()["details"] == {
        "field": "lines[1].colour",
        "fields": ["lines[1].colour", "payments[0].tip"],
    }
    assert snapshot(world) == before


def _bad_values(parameter: dict[str, Any]) -> list[str]:
    schema = parameter.get("schema", {})
    kind, form = schema.get("type"), schema.get("format")
    if kind == "integer":
        return ["9223372036854775808", "99999999999999999999999", "-1", "1.5", "ten"]
    if kind == "boolean":
        return ["maybe", "a\x00b"]
    if form == "date-time":
        return ["2026-01-01T00:00:00-20:00", "2026-01-01T00:00:00+16:00", "yesterday", "a\x00b"]
    if form == "date":
        return ["2026-02-30", "99999-01-01", "a\x00b"]
    return ["a\x00b", "tab\x07", "x" * 300] if form != "uuid" else ["not-a-uuid", "a\x00b"]


def test_every_query_parameter_is_validated(world: World) -> None:
    schema = served_schema("alpha")
    checked = 0
    before = snapshot(world)
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if get is None:
            continue
        for parameter in get.get("parameters", []):
            if parameter["in"] != "query":
                continue
            for value in _bad_values(parameter):
                unbounded = parameter.get("schema", {}).get("maxLength", 10**6) >= 300
                if len(value) == 300 and unbounded:
                    continue
                client = world.client_for(path)
                response = client.get(world.path(path), {parameter["name"]: value})
                assert response.status_code == 400, (path, parameter["name"], value, response.content[:300])
                answer = response.json()
                assert answer["code"] in ("query_invalid", "limit_invalid"), (path, answer)
                assert answer["details"]["parameter"] == parameter["name"], (path, answer)
                checked += 1
    assert checked >= 150
    # The examples, exactly.
    owner = world.shop.owner.client
    for url, name in (
        ("/api/v1/audit/events?limit=99999999999999999999999", "limit"),
        ("/api/v1/audit/events?limit=9223372036854775808", "limit"),
        ("/api/v1/audit/events?offset=-1", "offset"),
        ("/api/v1/audit/events?until=2026-01-01T00:00:00-20:00", "until"),
        ("/api/v1/products?q=a%00b", "q"),
        ("/api/v1/sales?receipt_number=a%00b", "receipt_number"),
        ("/api/v1/products?unknown=a%00b", "unknown"),
    ):
        response = owner.get(url)
        assert (response.status_code, response.json()["details"]["parameter"]) == (400, name), url
    assert snapshot(world) == before


def test_valid_query_parameters_still_work(world: World) -> None:
    owner = world.shop.owner.client
    # HEAD runs the GET handler with GET's parameters.
    assert owner.head("/api/v1/products?limit=1").status_code == 200
    assert owner.head("/api/v1/products?limit=0").status_code == 400
    page = owner.get("/api/v1/products", {"limit": 2, "offset": 1, "active": "true", "q": ""}).json()
    assert set(page) == {"count", "next", "previous", "results"}
    assert len(page["results"]) == 2
    assert page["count"] == 4
    at = owner.get("/api/v1/audit/events", {"until": "2999-01-01T00:00:00+15:59", "limit": 500})
    assert at.status_code == 200, at.json()


def _push_with_a_nul_in_one_op(world: World) -> tuple[dict[str, Any], dict[str, Any], Any]:
    shop = world.shop
    rice = shop.products["rice"]
    good = sale(10, cashier=shop.cashier, lines=[(rice, "1")], receipt="ACC-T1-000010")
    bad = sale(11, cashier=shop.cashier, lines=[(rice, "1")], receipt="ACC-T1-000011", note="a\x00b")
    world.terminal.raise_request_exception = False
    return good, bad, push(world.terminal, batch(good, bad))


def test_a_nul_inside_an_uploaded_op_is_not_refused_by_the_edge(world: World) -> None:
    """The parser's text check is for online bodies: an upload is answered per operation by the
    push engine, which rejects such an operation on its own."""
    _good, _bad, response = _push_with_a_nul_in_one_op(world)
    assert response.status_code != 400


def test_a_nul_inside_an_uploaded_op_rejects_that_op_only(world: World) -> None:
    good, bad, response = _push_with_a_nul_in_one_op(world)
    assert response.status_code == 200, response.content[:300]
    results = {r["op_id"]: r for r in response.json()["results"]}
    assert results[good["op_id"]]["status"] == "applied"
    assert (results[bad["op_id"]]["status"], results[bad["op_id"]]["code"]) == ("rejected", "text_invalid")
    assert results[bad["op_id"]]["details"] == {"field": "data.note"}


def test_the_resolver_tells_terminal_and_anonymous_endpoints() -> None:
    assert {"/api/v1/sync/pull", "/api/v1/sync/push", "/api/v1/sync/status"} == TERMINAL_PATHS
    assert {
        "/api/v1/auth/login",
        "/api/v1/sync/pair",
        "/api/v1/auth/password-reset",
        "/api/v1/auth/password-reset/confirm",
    } <= ANONYMOUS_PATHS
