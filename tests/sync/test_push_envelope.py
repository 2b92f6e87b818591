"""Push requests that cannot be answered per operation: 400/413 and nothing applied."""

from __future__ import annotations

import gzip
import json
import uuid

from django.test import override_settings
from django_tenants.utils import tenant_context

from shared_apps.tenants.models import Tenant
from sync.models import Batch, Op
from tests.sync.conftest import PairedTerminal


def post_raw(paired: PairedTerminal, body: bytes, **headers: str) -> object:
    return paired.client.generic(
        "POST", "/api/v1/sync/push", body, content_type="application/json", **headers
    )


def nothing_stored(tenant: Tenant) -> bool:
    with tenant_context(tenant):
        return not Batch.objects.exists() and not Op.objects.exists()


def batch(n_ops: int = 1) -> dict:
    return {
        "batch_id": str(uuid.uuid4()),
        "terminal_time": "2026-11-22T10:00:00Z",
        "ops": [
            {
                "op_id": str(uuid.uuid4()),
                "kind": "shift_open",
                "seq": i + 1,
                "occurred_at": "2026-11-22T09:00:00Z",
                "data": {},
            }
            for i in range(n_ops)
        ],
    }


def test_malformed_json_is_400_and_nothing_applied(tenant_a: Tenant, terminal_a: PairedTerminal) -> None:
    response = post_raw(terminal_a, b'{"batch_id": ')

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json()["code"] == "json_invalid"  # type: ignore[attr-defined]
    assert nothing_stored(tenant_a)


def test_malformed_gzip_is_400(tenant_a: Tenant, terminal_a: PairedTerminal) -> None:
    response = post_raw(terminal_a, b"\x1f\x8bnot really gzip", HTTP_CONTENT_ENCODING="gzip")
    truncated = post_raw(
        terminal_a, gzip.compress(json.dumps(batch()).encode())[:-12], HTTP_CONTENT_ENCODING="gzip"
    )

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json()["code"] == "gzip_invalid"  # type: ignore[attr-defined]
    assert truncated.status_code == 400  # type: ignore[attr-defined]
    assert nothing_stored(tenant_a)


def test_envelope_shape_errors_are_400(tenant_a: Tenant, terminal_a: PairedTerminal) -> None:
    good = batch()
    cases = [
        [1, 2, 3],
        {"batch_id": "nope", "ops": []},
        {"batch_id": str(uuid.uuid4()), "ops": "nope"},
        {"batch_id": str(uuid.uuid4()), "terminal_time": "yesterday", "ops": []},
        {"batch_id": str(uuid.uuid4()), "ops": [{"kind": "sale"}]},
        {"batch_id": str(uuid.uuid4()), "ops": ["not an object"]},
        good | {"ops": [*good["ops"], {"op_id": "123", "kind": "sale"}]},
    ]
    for case in cases:
        response = post_raw(terminal_a, json.dumps(case).encode())
        assert response.status_code == 400, case  # type: ignore[attr-defined]
        assert response.json()["code"] == "batch_malformed", case  # type: ignore[attr-defined]
    assert nothing_stored(tenant_a)


@override_settings(POS_SYNC_MAX_OPS=3)
def test_too_many_ops_is_413_and_nothing_applied(tenant_a: Tenant, terminal_a: PairedTerminal) -> None:
    response = post_raw(terminal_a, json.dumps(batch(4)).encode())

    assert response.status_code == 413  # type: ignore[attr-defined]
    assert response.json()["code"] == "batch_too_large"  # type: ignore[attr-defined]
    assert response.json()["details"] == {"limit_ops": 3, "ops": 4}  # type: ignore[attr-defined]
    assert nothing_stored(tenant_a)


@override_settings(POS_SYNC_MAX_REQUEST_BYTES=2000)
def test_too_many_bytes_is_413_and_nothing_applied(tenant_a: Tenant, terminal_a: PairedTerminal) -> None:
    response = post_raw(terminal_a, json.dumps(batch(20)).encode())

    assert response.status_code == 413  # type: ignore[attr-defined]
    assert response.json()["code"] == "request_too_large"  # type: ignore[attr-defined]
    assert nothing_stored(tenant_a)


@override_settings(POS_SYNC_MAX_INFLATED_BYTES=5000)
def test_a_gzip_bomb_is_413(tenant_a: Tenant, terminal_a: PairedTerminal) -> None:
    padded = batch() | {"padding": "x" * 100_000}
    response = post_raw(terminal_a, gzip.compress(json.dumps(padded).encode()), HTTP_CONTENT_ENCODING="gzip")

    assert response.status_code == 413  # type: ignore[attr-defined]
    assert nothing_stored(tenant_a)


def test_unsupported_encoding_is_400(tenant_a: Tenant, terminal_a: PairedTerminal) -> None:
    response = post_raw(terminal_a, b"{}", HTTP_CONTENT_ENCODING="br")

    assert response.status_code == 400  # type: ignore[attr-defined]
    assert response.json()["code"] == "encoding_unsupported"  # type: ignore[attr-defined]


def test_push_needs_a_terminal_credential(tenant_a: Tenant, make_member: object) -> None:
    from tests.conftest import api_client

    anonymous = api_client("alpha").post("/api/v1/sync/push", batch(), format="json")
    owner = make_member(tenant_a, "owner")  # type: ignore[operator]
    user_token = owner.client.post("/api/v1/sync/push", batch(), format="json")

    assert anonymous.status_code == 401
    assert user_token.status_code == 401
    assert nothing_stored(tenant_a)
