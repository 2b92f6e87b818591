"""A connection that has served POS_DB_RECYCLE_AFTER_SCHEMAS tenant schemas is closed at the end
of its request, so that one PostgreSQL backend does not keep the catalog of every shop."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import close_old_connections
from django.test import override_settings

from pos_platform.db import connection
from shared_apps.tenants.models import Tenant


@pytest.fixture
def tenants(live_db: None) -> Iterator[list[Tenant]]:
    connection.close()
    yield list(Tenant.objects.filter(slug__in=["alpha", "beta"]).order_by("slug"))
    connection.set_schema_to_public()


def _backend_on(tenant: Tenant) -> int:
    connection.set_tenant(tenant)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM storefronts_storefront")
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    connection.set_schema_to_public()
    return int(pid)


@override_settings(POS_DB_RECYCLE_AFTER_SCHEMAS=2)
def test_the_connection_is_closed_after_the_request_that_reached_the_limit(tenants: list[Tenant]) -> None:
    alpha, beta = tenants
    first = _backend_on(alpha)
    _backend_on(alpha)
    close_old_connections()  # a request ends
    assert connection.connection is not None
    assert connection.schemas_touched == {alpha.schema_name}

    assert _backend_on(beta) == first
    close_old_connections()

    assert connection.connection is None
    assert connection.schemas_touched == set()
    assert _backend_on(alpha) != first
    assert connection.schemas_touched == {alpha.schema_name}


@override_settings(POS_DB_RECYCLE_AFTER_SCHEMAS=2)
def test_the_public_schema_does_not_count(tenants: list[Tenant]) -> None:
    alpha, _ = tenants
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tenants_tenant")
    assert connection.schemas_touched == set()
    first = _backend_on(alpha)
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tenants_tenant")
    close_old_connections()

    assert connection.schemas_touched == {alpha.schema_name}
    assert _backend_on(alpha) == first


@override_settings(POS_DB_RECYCLE_AFTER_SCHEMAS=0)
def test_zero_never_recycles(tenants: list[Tenant]) -> None:
    alpha, beta = tenants
    first = _backend_on(alpha)
    _backend_on(beta)
    close_old_connections()
    assert _backend_on(alpha) == first
    assert connection.schemas_touched == {alpha.schema_name, beta.schema_name}
