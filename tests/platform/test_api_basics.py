"""The API's common ground: one error format, OpenAPI on every host, /healthz."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient

from pos_platform.api.exceptions import exception_handler
from pos_platform.api.tenant import TenantApiView
from pos_platform.kernel.errors import ApplicationError, Throttled
from shared_apps.accounts.models import User
from shared_apps.tenants.models import Tenant
from tests.conftest import api_client, session_login


def test_openapi_schema_and_docs_on_public_and_tenant_hosts(tenant_a: Tenant) -> None:
    for client in (api_client(None), api_client("alpha")):
        schema = client.get("/api/schema/", HTTP_ACCEPT="application/json")
        docs = client.get("/api/docs/")

        assert schema.status_code == 200
        assert schema.json()["openapi"].startswith("3.")
        assert docs.status_code == 200
        assert b"swagger-ui" in docs.content


def test_healthz_reports_database_redis_and_migrations(tenant_a: Tenant) -> None:
    for client in (api_client(None), api_client("alpha")):
        response = client.get("/healthz")

        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert body["database"]["ok"] is True
        assert body["redis"]["ok"] is True
        assert body["migrations"] == {"ok": True, "public_pending": False, "tenants_pending": 0}
        # No worker or beat runs here: reported, and /healthz does not depend on them.
        assert body["worker"] == {"ok": False, "error": "no heartbeat"}


def test_healthz_reports_a_tenant_with_pending_migrations_without_failing(tenant_a: Tenant) -> None:
    """A release migrates while serving: pending migrations are reported, never a 503."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM t_alpha.django_migrations WHERE app = 'storefronts'")
    # As after a release: the schema's stamp is not the current migration state, so it is checked.
    Tenant.objects.filter(pk=tenant_a.pk).update(migration_fingerprint="")

    response = APIClient(HTTP_HOST="localhost").get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["migrations"]["tenants_pending"] == 1


def test_unknown_endpoint_is_json_not_found(tenant_a: Tenant) -> None:
    response = api_client("alpha").get("/api/v1/nothing-here")

    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "No such endpoint.", "details": None}


def test_unauthenticated_request_gets_the_error_format(tenant_a: Tenant) -> None:
    response = api_client("alpha").get("/api/v1/storefronts")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert response.json()["code"] == "not_authenticated"
    assert set(response.json()) == {"code", "message", "details"}


def test_exception_handler_renders_application_errors() -> None:
    class ShelfEmpty(ApplicationError):
        code = "shelf_empty"
        status = 409

    response = exception_handler(ShelfEmpty("Nothing left.", details={"sku": "X1"}), {})
    assert response is not None
    assert (response.status_code, response.data) == (
        409,
        {"code": "shelf_empty", "message": "Nothing left.", "details": {"sku": "X1"}},
    )

    throttled = exception_handler(Throttled(details={"retry_after": 30}), {})
    assert throttled is not None
    assert throttled.status_code == 429
    assert throttled["Retry-After"] == "30"


def test_exception_handler_leaves_bugs_to_django() -> None:
    assert exception_handler(ZeroDivisionError(), {}) is None


def test_head_needs_the_action_of_get(tenant_a: Tenant, make_member: Any) -> None:
    cashier = make_member(tenant_a, "cashier")
    stranger = session_login(api_client("alpha"), User.objects.create_user(email="x@nowhere.test"), tenant_a)

    # HEAD runs the GET handler: it is refused exactly when GET is.
    for client, path, status in [
        (stranger, "/api/v1/storefronts", 403),
        (cashier.client, "/api/v1/reports/daily", 403),
        (cashier.client, "/api/v1/storefronts", 200),
    ]:
        assert client.get(path).status_code == status, path
        assert client.head(path).status_code == status, path


def test_a_handler_without_a_permission_action_is_refused_at_definition() -> None:
    with pytest.raises(TypeError, match="no permission action for post"):

        class Unguarded(TenantApiView):
            actions = {"GET": "catalog.view"}

            def get(self, request: Request) -> Response:
                return Response()

            def post(self, request: Request) -> Response:
                return Response()


def test_no_endpoint_is_described_by_a_base_view_class(tenant_a: Tenant) -> None:
    schema = api_client("alpha").get("/api/schema/", HTTP_ACCEPT="application/json").json()
    base_doc = TenantApiView.__doc__.split("``")[0].strip()  # type: ignore[union-attr]

    described = [
        (path, method)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if base_doc in operation.get("description", "")
    ]

    assert described == []
