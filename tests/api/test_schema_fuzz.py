"""Schemathesis over the served OpenAPI schema, against the production server (gunicorn) on a
stocked shop: every operation of the tenant's schema and of the platform host's gets generated
requests, valid and invalid, and every answer must be no 5xx and conform to the schema (status
code documented, content type, body). Bounded: ``POS_FUZZ_EXAMPLES`` requests per operation and
mode (default 12), a few minutes in all."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import schemathesis
from django_tenants.utils import tenant_context
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from shared_apps.accounts.tokens import token_issue
from shared_apps.tenants.services import TenantCreated
from tests.api.conftest import TERMINAL_PATHS, build_world
from tests.conftest import host_of, member_make, stock_shop
from tests.live_server import gunicorn
from tests.sync.conftest import pair_terminal

pytestmark = pytest.mark.slow

EXAMPLES = int(os.environ.get("POS_FUZZ_EXAMPLES", "12"))
# gunicorn's limit_request_line (4094) less the method, the protocol and the path's escapes.
REQUEST_LINE_MAX = 3000
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Operations that end the credential making the call: each gets a fresh one.
SELF_ENDING = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/auth/password")}


def _fuzz(
    base_url: str, host: str, headers_for: Callable[[str, str], dict[str, str]], ids: dict[str, str]
) -> tuple[int, list[str], set[str]]:
    raw = httpx.get(f"{base_url}/api/schema/", headers={"Host": host, "Accept": "application/json"}).json()
    schema = schemathesis.openapi.from_dict(raw)
    failures: list[str] = []
    calls = 0
    succeeded: set[str] = set()
    statuses: dict[int, int] = {}

    def exercise(operation: Any, mode: GenerationMode) -> None:
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def run(case: Any) -> None:
            nonlocal calls
            if mode is GenerationMode.POSITIVE and case.path_parameters:
                # Real objects, so that the bodies reach the services (negative cases keep
                # their made-up ids).
                case.path_parameters = {k: ids.get(k, v) for k, v in case.path_parameters.items()}
            if len(case.formatted_path) + len(urlencode(case.query or {}, doseq=True)) > REQUEST_LINE_MAX:
                return  # gunicorn itself refuses such a request line (414), before the app
            headers = {**(case.headers or {}), **headers_for(case.method, case.operation.path), "Host": host}
            try:
                response = case.call(base_url=base_url, headers=headers, timeout=60)
                calls += 1
                if response.status_code < 300:
                    succeeded.add(f"{case.method} {case.operation.path}")
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                case.validate_response(response, checks=CHECKS)
            except Exception as exc:  # a schemathesis FailureGroup: record it and go on
                failures.append(f"{case.method} {case.formatted_path} [{mode.value}]: {str(exc)[:800]}")

        run()

    for result in schema.get_all_operations():
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            exercise(result.ok(), mode)
    answered = sorted(statuses.items())
    print(f"{host}: {calls} calls, statuses {answered}, {len(succeeded)} operations answered 2xx")
    return calls, failures, succeeded


def test_every_answer_of_every_endpoint_conforms_to_the_served_schema(
    committed_tenant: Callable[..., TenantCreated],
) -> None:
    tenant = committed_tenant().tenant
    shop = stock_shop(tenant, member_make, stock=100000)
    with tenant_context(tenant):
        world = build_world(shop, member_make)
        # The terminal that calls is not the one the fuzzer may revoke through /terminals/{id}.
        caller = pair_terminal(tenant, shop.storefront, code="FZ")
    terminal_header = caller.client._credentials["HTTP_AUTHORIZATION"]  # type: ignore[attr-defined]
    owner = shop.owner

    def headers_for(method: str, path: str) -> dict[str, str]:
        if path in TERMINAL_PATHS:
            return {"Authorization": terminal_header}
        if (method, path) in SELF_ENDING:
            return {"Authorization": f"Bearer {token_issue(user=owner.user, tenant_id=tenant.pk).raw}"}
        return {"Authorization": f"Bearer {owner.token}"}

    # The platform host's callbacks answer 503 while their secret is unset: configured, they are fuzzed.
    env = {
        "POS_PAYMENT_WEBHOOK_SECRET": f"fuzz-{uuid.uuid4().hex}",
        "POS_AT_CALLBACK_TOKEN": f"fuzz-{uuid.uuid4().hex}",
    }
    with gunicorn(workers=2, threads=4, env=env) as base_url:
        calls, failures, succeeded = _fuzz(base_url, host_of(tenant.slug), headers_for, world.ids)
        public_calls, public_failures, _ = _fuzz(base_url, "localhost", lambda m, p: {}, {})

    assert failures + public_failures == [], "\n".join(failures + public_failures)
    # Every operation was exercised, in both modes.
    assert calls >= 70 * EXAMPLES
    # Generated requests got through to the services, not only to the input checks.
    assert len(succeeded) >= 40, sorted(succeeded)
    assert public_calls >= 2
