"""Fixtures for the sync tests: a storefront, an admin, and a paired terminal at tenant alpha."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from pos_platform.kernel.actors import Actor
from shared_apps.tenants.models import Tenant
from sync import terminals
from sync.models import Terminal
from tenant_apps.inventory.models import StockLevel
from tenant_apps.storefronts.models import Storefront
from tenant_apps.storefronts.services import storefront_create
from tests.conftest import Member, Shop, api_client


@dataclass
class PairedTerminal:
    terminal: Terminal
    credential: str
    client: APIClient


def pair_terminal(tenant: Tenant, storefront: Storefront, code: str = "T1") -> PairedTerminal:
    with tenant_context(tenant):
        pairing = terminals.terminal_create(
            storefront_id=storefront.pk, code=code, name=f"Till {code}", actor=Actor.system("tests")
        )
        paired = terminals.terminal_pair(code=pairing.code, client_ip="127.0.0.1", app_version="1.0.0")
    client = api_client(tenant.slug)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {paired.credential}")
    return PairedTerminal(terminal=paired.terminal, credential=paired.credential, client=client)


@pytest.fixture
def till(shop_a: Shop) -> PairedTerminal:
    """Terminal T1 of the stocked shop at tenant alpha."""
    return pair_terminal(shop_a.tenant, shop_a.storefront, code="T1")


@pytest.fixture
def manager(shop_a: Shop, make_member: Callable[..., Member]) -> Member:
    """A manager of the stocked shop since yesterday (allowed to void and refund offline)."""
    return make_member(shop_a.tenant, "manager", since=timezone.now() - dt.timedelta(days=1))


def level(shop: Shop, key: str) -> Decimal:
    """The stock level of one of the shop's products at its storefront."""
    with tenant_context(shop.tenant):
        return StockLevel.objects.get(product=shop.products[key], storefront=shop.storefront).quantity


@pytest.fixture
def storefront_a(tenant_a: Tenant) -> Storefront:
    with tenant_context(tenant_a):
        return storefront_create(code="ACC", name="Accra Central")


@pytest.fixture
def storefront_b(tenant_b: Tenant) -> Storefront:
    with tenant_context(tenant_b):
        return storefront_create(code="KSI", name="Kumasi")


@pytest.fixture
def admin_a(tenant_a: Tenant, make_member: Callable[..., Member]) -> Member:
    return make_member(tenant_a, "admin")


@pytest.fixture
def terminal_a(tenant_a: Tenant, storefront_a: Storefront) -> PairedTerminal:
    return pair_terminal(tenant_a, storefront_a)


@pytest.fixture
def terminal_b(tenant_b: Tenant, storefront_b: Storefront) -> PairedTerminal:
    return pair_terminal(tenant_b, storefront_b)
