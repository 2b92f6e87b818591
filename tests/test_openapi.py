"""The OpenAPI schema: every endpoint the URL resolver serves is in it with a summary, its
security scheme and request examples; lists are pages; generating it (``manage.py check
--deploy``, ``manage.py spectacular``) gives no warning. Real answers are validated against it by
tests/api/test_schema_fuzz.py."""

from __future__ import annotations

from django.core import checks
from django.core.management import call_command

from shared_apps.tenants.models import Tenant
from tests.api.conftest import ANONYMOUS_PATHS, TERMINAL_PATHS, api_routes, served_schema


def _security(operation: dict) -> set[str]:  # type: ignore[type-arg]
    return {name for requirement in operation.get("security", []) for name in requirement}


def test_every_endpoint_is_documented_with_its_security_and_examples(tenant_a: Tenant) -> None:
    schema = served_schema("alpha")
    routes = api_routes("pos_platform.urls_tenant")

    for path, methods in routes.items():
        for method in methods:
            operation = schema["paths"][path][method]
            assert operation.get("summary"), (method, path)
            security = _security(operation)
            if path in TERMINAL_PATHS:
                assert security == {"terminalAuth"}, (method, path, security)
            elif path in ANONYMOUS_PATHS:
                assert security <= {"bearerAuth", "cookieAuth"}, (method, path)
                assert {} in operation.get("security", [{}]) or not security, (method, path)
            else:
                assert {"bearerAuth", "cookieAuth"} <= security, (method, path, security)
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if method in {"post", "patch"} and body and body["schema"].get("$ref"):
                component = body["schema"]["$ref"].rsplit("/", 1)[1]
                if schema["components"]["schemas"][component].get("required"):
                    assert body.get("examples"), (method, path)
            # Every operation documents the one error shape.
            assert "#/components/schemas/ErrorOutput" in str(operation["responses"].get("400")), (
                method,
                path,
            )
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"]["scheme"] == "bearer"
    assert schemes["terminalAuth"]["bearerFormat"].startswith("ptk_")


def test_lists_are_described_as_pages(tenant_a: Tenant) -> None:
    schema = served_schema("alpha")
    components = schema["components"]["schemas"]
    pages = {
        "/api/v1/products",
        "/api/v1/sales",
        "/api/v1/shifts",
        "/api/v1/stock/levels",
        "/api/v1/stock/movements",
        "/api/v1/sync/conflicts",
        "/api/v1/billing/invoices",
        "/api/v1/audit/events",
        "/api/v1/messages",
    }
    for path in pages:
        get = schema["paths"][path]["get"]
        ref = get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = components[ref.rsplit("/", 1)[1]]
        assert set(page["required"]) == {"count", "next", "previous", "results"}, path
        assert page["properties"]["results"]["type"] == "array", path
        assert {"limit", "offset"} <= {p["name"] for p in get["parameters"]}, path
        assert get["operationId"].endswith("_list"), path
    # The conflicts of the terminals' feed carry their kind and flat fields.
    conflict = components["ConflictOutput"]
    assert {"kind", "status", "product_id", "sale_id"} <= set(conflict["properties"])
    assert components["SaleConflictOutput"]["properties"].keys() == {"code", "details"}


def test_schema_generation_gives_no_warning() -> None:
    found = [
        message
        for message in checks.run_checks(include_deployment_checks=True)
        if message.id and message.id.startswith("drf_spectacular")
    ]
    assert found == []
    for urlconf in ("pos_platform.urls_tenant", "pos_platform.urls_public"):
        call_command(
            "spectacular", "--fail-on-warn", "--validate", "--urlconf", urlconf, "--file", "/dev/null"
        )
