"""The audit log page: the shop's events newest first, filtered by area, person, object and date;
owners and admins only (``audit.view``)."""

from __future__ import annotations

from typing import Any

from django.test import Client

from pos_platform.kernel.audit.models import AuditEvent
from tests.conftest import Shop
from tests.portal.conftest import html, portal_client


def test_the_log_is_filtered_by_area_and_person(shop: Shop, owner_portal: Client) -> None:
    owner_portal.post("/portal/taxes/categories/new", {"code": "ZERO", "name": "Zero rated"})
    [event] = AuditEvent.objects.filter(action="tax_category.create", object_id__isnull=False).order_by(
        "-at"
    )[:1]

    everything = html(owner_portal.get("/portal/audit"))
    taxes = html(
        owner_portal.get("/portal/audit", {"action": "tax_category.", "actor": str(shop.owner.user.pk)})
    )
    nobody = html(owner_portal.get("/portal/audit", {"action": "tax_category.", "date_to": "2000-01-01"}))
    by_object = html(owner_portal.get("/portal/audit", {"object_id": event.object_id}))

    assert "tax_category.create" in everything
    assert "tax_category.create" in taxes
    assert "product.create" not in taxes
    assert "No event matches." in nobody
    assert "tax_category.create" in by_object


def test_a_manager_cannot_read_the_audit_log(shop: Shop, make_member: Any) -> None:
    manager = portal_client(make_member(shop.tenant, "manager"), shop.tenant)

    response = manager.get("/portal/audit")

    assert response.status_code == 403
    assert "tax_category" not in html(response)
