"""Helpers for the back office's tests over HTTP (Django's test client at a tenant's host)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from shared_apps.tenants.models import Tenant
from tests.conftest import Member, Shop, host_of, session_login, stock_shop


def portal_client(member: Member, tenant: Tenant, *, csrf: bool = False) -> Client:
    """A browser-like client with a verified session of ``member`` at ``tenant``'s host."""
    client = Client(HTTP_HOST=host_of(tenant.slug), enforce_csrf_checks=csrf)
    session_login(client, member.user, tenant)  # type: ignore[arg-type]
    return client


@pytest.fixture
def shop(tenant_a: Tenant, make_member: Any) -> Shop:
    return stock_shop(tenant_a, make_member)


@pytest.fixture
def owner_portal(shop: Shop) -> Client:
    return portal_client(shop.owner, shop.tenant)


def html(response: Any) -> str:
    return response.content.decode()
