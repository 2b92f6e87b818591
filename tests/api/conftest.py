"""Every API endpoint, derived from the URL resolver, with ids of real objects of a stocked shop
to fill its path: the edge tests (and the isolation tests) cover a new endpoint without a list
kept by hand."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.permissions import AllowAny
from rest_framework.test import APIClient

from sync.terminals import TerminalAuthentication
from tests.conftest import Member, Shop, api_client

HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def _walk(resolver: URLResolver, prefix: str = "") -> Iterator[tuple[str, Any]]:
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def api_views(urlconf: str) -> dict[str, Any]:
    """``{"/api/v1/products/{product_id}": ProductDetailApi}`` for every API view of a URL map,
    from the resolver."""
    views: dict[str, Any] = {}
    for route, callback in _walk(get_resolver(urlconf)):
        view = getattr(callback, "cls", None)
        if route.startswith("api/v1/") and view is not None:
            views["/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)] = view
    return views


def api_routes(urlconf: str) -> dict[str, set[str]]:
    """``{"/api/v1/products/{product_id}": {"get", "patch"}}``: the methods each view defines."""
    return {path: {m for m in HTTP_METHODS if hasattr(view, m)} for path, view in api_views(urlconf).items()}


def _paths_where(check: Any) -> frozenset[str]:
    return frozenset(path for path, view in api_views("pos_platform.urls_tenant").items() if check(view))


# Endpoints whose caller is a terminal (its credential), not a person; endpoints anyone may call.
TERMINAL_PATHS = _paths_where(lambda view: TerminalAuthentication in view.authentication_classes)
ANONYMOUS_PATHS = _paths_where(lambda view: AllowAny in view.permission_classes)


@dataclass
class World:
    """A stocked shop at tenant alpha, a paired terminal, and an id for every path parameter."""

    shop: Shop
    terminal: APIClient
    ids: dict[str, str]

    def client_for(self, path: str) -> APIClient:
        return self.terminal if path in TERMINAL_PATHS else self.shop.owner.client

    def path(self, template: str) -> str:
        return template.format(**self.ids)


def build_world(shop: Shop, make_member: Any) -> World:

    from pos_platform.db import connection
    from pos_platform.kernel.actors import Actor
    from shared_apps.accounts.tokens import token_issue
    from sync.models import Conflict
    from tenant_apps.sales.models import PaymentMethod
    from tenant_apps.shifts.services import shift_open
    from tenant_apps.taxes.models import TaxRate
    from tests.sales.helpers import D, sell
    from tests.sync.conftest import pair_terminal
    from tests.sync.ops import batch, push, sale

    connection.set_tenant(shop.tenant)
    paired = pair_terminal(shop.tenant, shop.storefront)
    connection.set_tenant(shop.tenant)
    # An oversold offline sale raises a conflict to resolve.
    rice = shop.products["rice"]
    pushed = push(paired.client, batch(sale(1, cashier=shop.cashier, lines=[(rice, "100000")])))
    assert pushed.status_code == 200, pushed.content
    connection.set_tenant(shop.tenant)
    shift = shift_open(
        storefront_id=shop.storefront.pk,
        cashier_id=shop.owner.user.pk,
        opening_float=D(0),
        actor=Actor.system("tests"),
    )
    invited: Member = make_member(shop.tenant, "cashier", storefront_id=shop.storefront.pk)
    connection.set_tenant(shop.tenant)
    ids = {
        "storefront_id": str(shop.storefront.pk),
        "rate_id": str(TaxRate.objects.order_by("pk").first().pk),  # type: ignore[union-attr]
        "product_id": str(rice.pk),
        "sale_id": str(sell(shop, ("soap", 1)).sale.pk),
        "payment_method_id": str(PaymentMethod.objects.get(code="cash").pk),
        "shift_id": str(shift.pk),
        # A spare token of the owner: revoking it leaves the one the tests call with.
        "token_id": str(token_issue(user=shop.owner.user, tenant_id=shop.tenant.pk).token.pk),
        "membership_id": str(invited.membership.pk),
        "terminal_id": str(paired.terminal.pk),
        "conflict_id": str(Conflict.objects.order_by("created_at").first().pk),  # type: ignore[union-attr]
        "invoice_id": str(uuid.uuid4()),
    }
    return World(shop=shop, terminal=paired.client, ids=ids)


@pytest.fixture
def world(shop_a: Shop, make_member: Any) -> World:
    return build_world(shop_a, make_member)


def served_schema(slug: str | None) -> dict[str, Any]:
    response = api_client(slug).get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()
