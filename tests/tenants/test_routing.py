"""Host -> tenant routing: isolation, unknown hosts, suspension, and the warm cache."""

from __future__ import annotations

import uuid

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from shared_apps.accounts.models import User
from shared_apps.tenants.models import Domain, Tenant
from shared_apps.tenants.services import tenant_resume, tenant_suspend
from tenant_apps.storefronts.services import storefront_create
from tests.conftest import api_client, session_login
from tests.sync.conftest import pair_terminal


def test_each_tenant_sees_only_its_own_data(
    tenant_a: Tenant, tenant_b: Tenant, owner_a: User, owner_b: User
) -> None:
    with tenant_context(tenant_a):
        storefront_create(code="ACC", name="Accra")
    with tenant_context(tenant_b):
        storefront_create(code="KSI", name="Kumasi")
    client_a = session_login(api_client("alpha"), owner_a, tenant_a)
    client_b = session_login(api_client("beta"), owner_b, tenant_b)

    a = client_a.get("/api/v1/storefronts")
    b = client_b.get("/api/v1/storefronts")

    assert a.status_code == 200
    assert b.status_code == 200
    assert [s["code"] for s in a.json()] == ["ACC"]
    assert [s["code"] for s in b.json()] == ["KSI"]


def test_a_member_of_one_tenant_is_refused_at_another(
    tenant_a: Tenant, tenant_b: Tenant, owner_a: User
) -> None:
    with tenant_context(tenant_b):
        storefront_create(code="KSI", name="Kumasi")
    # A session signed in at beta's host, for a user who is staff of alpha only.
    client = session_login(api_client("beta"), owner_a, tenant_b)

    response = client.get("/api/v1/storefronts")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "KSI" not in response.content.decode()


def test_unknown_host_is_404_tenant_not_found(db: None) -> None:
    response = APIClient(HTTP_HOST="nosuch.localhost").get("/api/v1/storefronts")

    assert response.status_code == 404
    assert response.json() == {
        "code": "tenant_not_found",
        "message": "No shop is served at nosuch.localhost.",
        "details": None,
    }


def test_host_outside_allowed_hosts_is_refused(db: None) -> None:
    response = APIClient(HTTP_HOST="evil.example.org").get("/healthz")

    assert response.status_code == 400
    assert response.json()["code"] == "host_not_allowed"


def test_suspended_tenant_gets_403_but_offline_uploads_still_reach_it(
    tenant_b: Tenant, owner_b: User
) -> None:
    client = session_login(api_client("beta"), owner_b, tenant_b)
    assert client.get("/api/v1/storefronts").status_code == 200
    with tenant_context(tenant_b):
        till = pair_terminal(tenant_b, storefront_create(code="SUS", name="Suspended"))
    batch_id = str(uuid.uuid4())

    tenant_suspend(slug="beta", actor="tests")
    suspended = client.get("/api/v1/storefronts")
    upload = till.client.post("/api/v1/sync/push", {"batch_id": batch_id, "ops": []}, format="json")

    assert suspended.status_code == 403
    assert suspended.json() == {
        "code": "tenant_suspended",
        "message": "This shop's account is suspended; its owner can contact the platform to resume it.",
        "details": None,
    }
    # Routed to the shop and answered by the push engine: the batch's own answer.
    assert upload.status_code == 200, upload.json()
    assert upload.json()["batch_id"] == batch_id
    assert upload.json()["results"] == []

    tenant_resume(slug="beta", actor="tests")
    assert client.get("/api/v1/storefronts").status_code == 200


def test_a_new_domain_is_served_at_once(tenant_a: Tenant, owner_a: User) -> None:
    client = session_login(APIClient(HTTP_HOST="shop.alpha.localhost"), owner_a, tenant_a)
    assert client.get("/api/v1/storefronts").status_code == 404  # cached as unknown

    Domain.objects.create(domain="shop.alpha.localhost", tenant=tenant_a, is_primary=False)

    assert client.get("/api/v1/storefronts").status_code == 200


def test_warm_routing_makes_no_domain_query_and_no_search_path_change(
    tenant_a: Tenant, owner_a: User
) -> None:
    client = session_login(api_client("alpha"), owner_a, tenant_a)
    assert client.get("/api/v1/storefronts").status_code == 200  # warms the route cache

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/storefronts")

    assert response.status_code == 200
    sql = [q["sql"] for q in queries.captured_queries]
    assert not [s for s in sql if "tenants_domain" in s or "tenants_tenant" in s]
    assert not [s for s in sql if s.startswith("SET search_path")]
    # session, user, the session's OTP device, membership, storefronts: the view's own queries
    # and nothing else.
    assert len(sql) == 5, sql


def test_cold_routing_reads_the_domain_once(tenant_a: Tenant, owner_a: User) -> None:
    client = session_login(api_client("alpha"), owner_a, tenant_a)

    with CaptureQueriesContext(connection) as queries:
        client.get("/api/v1/storefronts")
        client.get("/api/v1/storefronts")

    domain_queries = [q for q in queries.captured_queries if "tenants_domain" in q["sql"]]
    assert len(domain_queries) == 1


def test_search_path_is_set_only_when_the_schema_changes(tenant_a: Tenant, tenant_b: Tenant) -> None:
    def sets_during(action: object) -> int:
        with CaptureQueriesContext(connection) as queries:
            action()  # type: ignore[operator]
        return sum(q["sql"].startswith("SET search_path") for q in queries.captured_queries)

    def query() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    connection.set_tenant(tenant_a)
    query()
    assert sets_during(query) == 0
    connection.set_schema_to_public()
    connection.set_tenant(tenant_a)
    assert sets_during(query) == 0
    connection.set_tenant(tenant_b)
    assert sets_during(query) == 1
    assert sets_during(query) == 0
