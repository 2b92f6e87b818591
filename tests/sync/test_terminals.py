"""Terminals: creation, one-time pairing codes, credentials shown once, revocation, isolation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.test import override_settings
from django.utils import timezone
from django_tenants.utils import tenant_context

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.tenants.models import Tenant
from sync import terminals
from sync.models import Terminal
from tenant_apps.storefronts.models import Storefront
from tests.conftest import Member, api_client
from tests.sync.conftest import PairedTerminal


def test_admin_creates_a_terminal_and_the_device_pairs_once(
    tenant_a: Tenant, storefront_a: Storefront, admin_a: Member
) -> None:
    created = admin_a.client.post(
        "/api/v1/sync/terminals",
        {"storefront_id": str(storefront_a.pk), "code": "t2", "name": "Front till"},
        format="json",
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    code = body["pairing_code"]
    assert len(code) == 9
    assert code[4] == "-"
    assert body["terminal"]["code"] == "T2"
    assert body["terminal"]["status"] == "pending"

    device = api_client("alpha")
    paired = device.post(
        "/api/v1/sync/pair",
        {"code": code.lower(), "device_name": "Sunmi", "app_version": "1.4.0"},
        format="json",
    )
    again = device.post("/api/v1/sync/pair", {"code": code}, format="json")

    assert paired.status_code == 201
    credential = paired.json()["credential"]
    assert credential.startswith("ptk_")
    assert paired.json()["storefront_code"] == "ACC"
    assert again.status_code == 400
    assert again.json()["code"] == "pairing_code_invalid"
    with tenant_context(tenant_a):
        terminal = Terminal.objects.get(code="T2")
        assert terminal.status == "active"
        assert terminal.pairing_digest is None
        assert credential not in (terminal.credential_digest, terminal.credential_prefix)
        assert terminal.device_name == "Sunmi"
        assert AuditEvent.objects.filter(action="terminal.paired", object_id=str(terminal.pk)).exists()
    device.credentials(HTTP_AUTHORIZATION=f"Bearer {credential}")
    assert device.get("/api/v1/sync/status").status_code == 200


def test_an_expired_code_does_not_pair(tenant_a: Tenant, storefront_a: Storefront) -> None:
    with tenant_context(tenant_a):
        pairing = terminals.terminal_create(
            storefront_id=storefront_a.pk, code="T3", name="x", actor=Actor.system("tests")
        )
        Terminal.objects.filter(pk=pairing.terminal.pk).update(
            pairing_expires_at=timezone.now() - timedelta(seconds=1)
        )

    response = api_client("alpha").post("/api/v1/sync/pair", {"code": pairing.code}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "pairing_code_invalid"
    with tenant_context(tenant_a):
        assert Terminal.objects.get(pk=pairing.terminal.pk).status == "pending"


def test_a_code_of_one_tenant_does_not_pair_at_another(
    tenant_a: Tenant, tenant_b: Tenant, storefront_a: Storefront
) -> None:
    with tenant_context(tenant_a):
        pairing = terminals.terminal_create(
            storefront_id=storefront_a.pk, code="T4", name="x", actor=Actor.system("tests")
        )

    response = api_client("beta").post("/api/v1/sync/pair", {"code": pairing.code}, format="json")

    assert response.status_code == 400
    with tenant_context(tenant_a):
        assert Terminal.objects.get(pk=pairing.terminal.pk).status == "pending"


@override_settings(POS_PAIRING_ATTEMPTS_PER_IP=3)
def test_pairing_attempts_are_throttled(tenant_a: Tenant, storefront_a: Storefront) -> None:
    with tenant_context(tenant_a):
        pairing = terminals.terminal_create(
            storefront_id=storefront_a.pk, code="T5", name="x", actor=Actor.system("tests")
        )
    device = api_client("alpha")
    for guess in ("AAAA-AAAA", "BBBB-BBBB", "CCCC-CCCC"):
        assert device.post("/api/v1/sync/pair", {"code": guess}, format="json").status_code == 400

    blocked = device.post("/api/v1/sync/pair", {"code": pairing.code}, format="json")

    assert blocked.status_code == 429
    assert blocked.json()["code"] == "pairing_throttled"
    assert int(blocked["Retry-After"]) > 0
    with tenant_context(tenant_a):
        assert Terminal.objects.get(pk=pairing.terminal.pk).status == "pending"


@override_settings(POS_PAIRING_ATTEMPTS_PER_IP=2, POS_NUM_PROXIES=1)
def test_behind_a_proxy_pairing_is_throttled_per_forwarded_address(
    tenant_a: Tenant, storefront_a: Storefront
) -> None:
    with tenant_context(tenant_a):
        pairing = terminals.terminal_create(
            storefront_id=storefront_a.pk, code="T6", name="x", actor=Actor.system("tests")
        )
    guesser = api_client("alpha")
    for guess in ("AAAA-AAAA", "BBBB-BBBB"):
        guesser.post("/api/v1/sync/pair", {"code": guess}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.9")

    blocked = guesser.post(
        "/api/v1/sync/pair", {"code": "CCCC-CCCC"}, format="json", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    paired = api_client("alpha").post(
        "/api/v1/sync/pair", {"code": pairing.code}, format="json", HTTP_X_FORWARDED_FOR="198.51.100.7"
    )

    assert blocked.status_code == 429
    assert paired.status_code == 201
    with tenant_context(tenant_a):
        audit = AuditEvent.objects.get(action="terminal.paired", object_id=str(pairing.terminal.pk))
        assert audit.ip == "198.51.100.7"


def test_revoked_terminal_gets_401_terminal_revoked(
    tenant_a: Tenant, terminal_a: PairedTerminal, admin_a: Member
) -> None:
    assert terminal_a.client.get("/api/v1/sync/status").status_code == 200

    revoked = admin_a.client.post(
        f"/api/v1/sync/terminals/{terminal_a.terminal.pk}/revoke", {"reason": "stolen"}, format="json"
    )
    after = terminal_a.client.get("/api/v1/sync/status")
    push = terminal_a.client.post("/api/v1/sync/push", {"batch_id": "x", "ops": []}, format="json")

    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    with tenant_context(tenant_a):
        audit = AuditEvent.objects.get(action="terminal.revoked", object_id=str(terminal_a.terminal.pk))
        assert (audit.actor_id, audit.details) == (admin_a.user.pk, {"reason": "stolen"})
    assert after.status_code == 401
    assert after.json()["code"] == "terminal_revoked"
    assert push.status_code == 401


def test_terminal_credential_is_useless_at_another_tenant(
    terminal_a: PairedTerminal, tenant_b: Tenant
) -> None:
    elsewhere = api_client("beta")
    elsewhere.credentials(HTTP_AUTHORIZATION=f"Bearer {terminal_a.credential}")

    for path in ("/api/v1/sync/status", "/api/v1/sync/pull"):
        response = elsewhere.get(path)
        assert response.status_code == 401
        assert response.json()["code"] == "terminal_credential_invalid"


def test_terminal_list_shows_what_admins_need(
    tenant_a: Tenant, terminal_a: PairedTerminal, admin_a: Member
) -> None:
    response = admin_a.client.get("/api/v1/sync/terminals")

    assert response.status_code == 200
    [row] = response.json()
    assert row["code"] == "T1"
    assert row["status"] == "active"
    assert row["app_version"] == "1.0.0"
    assert set(row) >= {"last_seen_at", "clock_offset_ms", "last_applied_seq", "open_conflicts"}


def test_cashiers_cannot_manage_terminals_and_nothing_changes(
    tenant_a: Tenant, storefront_a: Storefront, terminal_a: PairedTerminal, make_member: Callable[..., Member]
) -> None:
    cashier = make_member(tenant_a, "cashier")
    with tenant_context(tenant_a):
        before = list(Terminal.objects.values_list("id", "status"))

    created = cashier.client.post(
        "/api/v1/sync/terminals",
        {"storefront_id": str(storefront_a.pk), "code": "T9", "name": "x"},
        format="json",
    )
    revoked = cashier.client.post(
        f"/api/v1/sync/terminals/{terminal_a.terminal.pk}/revoke", {}, format="json"
    )

    assert created.status_code == 403
    assert revoked.status_code == 403
    with tenant_context(tenant_a):
        assert list(Terminal.objects.values_list("id", "status")) == before


def test_a_manager_scoped_to_another_storefront_cannot_touch_this_terminal(
    tenant_a: Tenant, terminal_a: PairedTerminal, make_member: Callable[..., Member]
) -> None:
    with tenant_context(tenant_a):
        from tenant_apps.storefronts.services import storefront_create

        other = storefront_create(code="TMA", name="Tema")
    manager = make_member(tenant_a, "manager", storefront_id=other.pk)

    listed = manager.client.get("/api/v1/sync/terminals")
    revoked = manager.client.post(
        f"/api/v1/sync/terminals/{terminal_a.terminal.pk}/revoke", {}, format="json"
    )

    assert listed.json() == []
    assert revoked.status_code == 404
    with tenant_context(tenant_a):
        assert Terminal.objects.get(pk=terminal_a.terminal.pk).status == "active"


def test_bad_terminal_input_is_refused_and_nothing_is_written(
    tenant_a: Tenant, storefront_a: Storefront, storefront_b: Storefront, admin_a: Member
) -> None:
    cases = [
        ({"storefront_id": str(storefront_a.pk), "code": "b d!", "name": "x"}, 400, "terminal_code_invalid"),
        ({"storefront_id": "not-a-uuid", "code": "T1", "name": "x"}, 400, "invalid"),
        ({"storefront_id": str(storefront_b.pk), "code": "T1", "name": "x"}, 400, "storefront_not_found"),
        ({"code": "T1", "name": "x"}, 400, "invalid"),
    ]
    for payload, status, code in cases:
        response = admin_a.client.post("/api/v1/sync/terminals", payload, format="json")
        assert (response.status_code, response.json()["code"]) == (status, code), payload
    with tenant_context(tenant_a):
        assert Terminal.objects.count() == 0
