"""Tenant isolation at every endpoint the URL resolver serves (a new endpoint is covered without
editing this file): a credential of shop A is refused at shop B's host (401), and an id of one of
A's objects is unknown there (404), with nothing written at either shop. Bodies are the
endpoints' own documented examples, valid requests that only isolation can refuse."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from pos_platform.db import connection
from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.accounts.models import ApiToken, Membership
from sync.models import Conflict, Op, Terminal
from tenant_apps.catalog.models import Product, ProductPrice
from tenant_apps.shifts.models import Shift
from tests.api.conftest import ANONYMOUS_PATHS, TERMINAL_PATHS, World, api_routes, build_world, served_schema
from tests.conftest import Shop, api_client
from tests.sales.helpers import counts


def snapshot(shop: Shop) -> tuple[Any, ...]:
    connection.set_tenant(shop.tenant)
    return (
        *counts().values(),
        Product.objects.count(),
        ProductPrice.objects.count(),
        Shift.objects.count(),
        Terminal.objects.filter(status="active").count(),
        Conflict.objects.filter(status="open").count(),
        Op.objects.count(),
        AuditEvent.objects.count(),
        sorted(Membership.objects.filter(tenant=shop.tenant).values_list("id", "role", "is_active")),
        ApiToken.objects.filter(tenant=shop.tenant, revoked_at__isnull=True).count(),
    )


def endpoints() -> list[tuple[str, str]]:
    return sorted((m, p) for p, methods in api_routes("pos_platform.urls_tenant").items() for m in methods)


def example_body(schema: dict[str, Any], method: str, path: str, world: World) -> Any:
    """The endpoint's first documented request example (ids of shop A filled in where the
    example names one), or an empty object."""
    content = (
        schema["paths"][path][method].get("requestBody", {}).get("content", {}).get("application/json", {})
    )
    examples = content.get("examples") or {}
    if not examples:
        return {}
    body = copy.deepcopy(next(iter(examples.values()))["value"])
    if isinstance(body, dict) and "storefront_id" in body:
        body["storefront_id"] = world.ids["storefront_id"]
    return body


# The answer to a credential of another shop: a person's token, a terminal's credential.
CREDENTIAL_REFUSED = {False: "authentication_failed", True: "terminal_credential_invalid"}


@pytest.fixture
def two_shops(shop_a: Shop, shop_b: Shop, make_member: Any) -> tuple[World, World]:
    world_b = build_world(shop_b, make_member)
    world_a = build_world(shop_a, make_member)
    return world_a, world_b


def test_every_endpoint_is_covered() -> None:
    found = endpoints()
    assert len(found) >= 75
    assert ("post", "/api/v1/sync/push") in found
    assert ("post", "/api/v1/products/{product_id}/prices") in found


def test_a_credential_of_one_shop_is_refused_at_every_endpoint_of_another(
    two_shops: tuple[World, World],
) -> None:
    world_a, world_b = two_shops
    schema = served_schema("alpha")
    before = (snapshot(world_a.shop), snapshot(world_b.shop))
    person = api_client("beta")
    person.credentials(HTTP_AUTHORIZATION=f"Bearer {world_a.shop.owner.token}")
    terminal = api_client("beta")
    terminal.credentials(**world_a.terminal._credentials)  # type: ignore[attr-defined]
    checked = 0

    for method, path in endpoints():
        if path in ANONYMOUS_PATHS:
            continue  # anyone may call it (a sign-in, a pairing code): no credential to carry over
        client = terminal if path in TERMINAL_PATHS else person
        body = example_body(schema, method, path, world_a)
        response = client.generic(
            method.upper(), world_a.path(path), _json(body), content_type="application/json"
        )
        assert response.status_code == 401, (method, path, response.status_code, response.content[:200])
        assert response.json()["code"] == CREDENTIAL_REFUSED[path in TERMINAL_PATHS], (method, path)
        checked += 1

    assert checked >= 70
    assert (snapshot(world_a.shop), snapshot(world_b.shop)) == before


def test_an_id_of_one_shop_is_unknown_at_every_endpoint_of_another(two_shops: tuple[World, World]) -> None:
    world_a, world_b = two_shops
    schema = served_schema("beta")
    before = (snapshot(world_a.shop), snapshot(world_b.shop))
    checked = 0

    for method, path in endpoints():
        if "{" not in path:
            continue
        client = world_b.client_for(path)
        body = example_body(schema, method, path, world_b)
        # Shop B's own credential, shop A's id.
        response = client.generic(
            method.upper(), world_a.path(path), _json(body), content_type="application/json"
        )
        assert response.status_code == 404, (method, path, response.status_code, response.content[:300])
        checked += 1
        if method == "get" and "{invoice_id}" not in path:
            # ... where shop B's own id is served: the 404 is isolation, not a broken request.
            own = client.get(world_b.path(path))
            assert own.status_code == 200, (path, own.status_code)

    assert checked >= 25
    assert (snapshot(world_a.shop), snapshot(world_b.shop)) == before


def _json(body: Any) -> bytes:
    return json.dumps(body).encode()
