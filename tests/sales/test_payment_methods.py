"""PATCH /api/v1/payment-methods/<id>: rename, reorder, turn off; refusals change nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from pos_platform.kernel.audit.models import AuditEvent
from tenant_apps.sales.models import PaymentMethod
from tests.conftest import Shop


def methods() -> list[tuple[Any, ...]]:
    return list(PaymentMethod.objects.order_by("code").values_list("code", "name", "is_active", "position"))


def test_a_change_is_saved_and_audited_once(shop_a: Shop) -> None:
    card = PaymentMethod.objects.get(code="card")

    changed = shop_a.owner.client.patch(
        f"/api/v1/payment-methods/{card.pk}", {"name": "Card (Visa)", "is_active": False}, format="json"
    )
    unchanged = shop_a.owner.client.patch(
        f"/api/v1/payment-methods/{card.pk}", {"name": "Card (Visa)"}, format="json"
    )

    assert changed.status_code == unchanged.status_code == 200, changed.json()
    assert (changed.json()["name"], changed.json()["is_active"]) == ("Card (Visa)", False)
    card.refresh_from_db()
    assert (card.name, card.is_active) == ("Card (Visa)", False)
    [event] = AuditEvent.objects.filter(action="payment_method.update")
    assert event.details == {
        "name": {"from": "Card", "to": "Card (Visa)"},
        "is_active": {"from": True, "to": False},
    }


@pytest.mark.parametrize(
    ("target", "data", "status", "code"),
    [
        ("unknown", {"name": "x"}, 404, "not_found"),
        ("card", {"name": " "}, 400, "invalid"),
        ("card", {"position": -1}, 400, "invalid"),
        ("card", {"is_active": "maybe"}, 400, "invalid"),
    ],
)
def test_refused_changes_change_nothing(
    shop_a: Shop, target: str, data: dict[str, Any], status: int, code: str
) -> None:
    method_id = uuid.uuid4() if target == "unknown" else PaymentMethod.objects.get(code=target).pk
    before = (methods(), AuditEvent.objects.count())

    response = shop_a.owner.client.patch(f"/api/v1/payment-methods/{method_id}", data, format="json")

    assert (response.status_code, response.json()["code"]) == (status, code), response.json()
    assert (methods(), AuditEvent.objects.count()) == before


def test_only_staff_managers_change_payment_methods(shop_a: Shop, make_member) -> None:
    manager = make_member(shop_a.tenant, "manager")
    card = PaymentMethod.objects.get(code="card")
    before = (methods(), AuditEvent.objects.count())

    for member in (shop_a.cashier, manager):
        response = member.client.patch(f"/api/v1/payment-methods/{card.pk}", {"name": "x"}, format="json")
        assert response.status_code == 403

    assert (methods(), AuditEvent.objects.count()) == before
