"""The README's walkthrough, end to end through the API."""

from __future__ import annotations

from typing import Any

from shared_apps.tenants.models import Tenant
from shared_apps.tenants.reconciliation import tenant_reconcile


def test_walkthrough(tenant_a: Tenant, make_member: Any) -> None:
    owner = make_member(tenant_a, "owner").client
    sf = owner.post("/api/v1/storefronts", {"code": "ACC", "name": "Accra Central"}, format="json")
    assert sf.status_code == 201, sf.json()
    storefront_id = sf.json()["id"]
    cat = owner.post("/api/v1/tax-categories", {"code": "STD", "name": "Standard"}, format="json").json()
    for code, rate, compound in (
        ("NHIL", "2.5", False),
        ("GETFUND", "2.5", False),
        ("COVID", "1", False),
        ("VAT", "15", True),
    ):
        r = owner.post(
            "/api/v1/tax-rates",
            {
                "category_id": cat["id"],
                "code": code,
                "name": code,
                "rate": rate,
                "compound": compound,
                "effective_from": "2020-01-01T00:00:00Z",
            },
            format="json",
        )
        assert r.status_code == 201, r.json()
    rice = owner.post(
        "/api/v1/products",
        {
            "sku": "RICE",
            "name": "Rice 5 kg",
            "price": "95.00",
            "tax_category_id": cat["id"],
            "reorder_level": "5",
        },
        format="json",
    )
    assert rice.status_code == 201, rice.json()
    rice_id = rice.json()["id"]
    rec = owner.post(
        "/api/v1/stock/receipts",
        {"storefront_id": storefront_id, "lines": [{"product_id": rice_id, "quantity": "10"}]},
        format="json",
    )
    assert rec.status_code == 201, rec.json()
    shift = owner.post(
        "/api/v1/shifts", {"storefront_id": storefront_id, "opening_float": "100.00"}, format="json"
    )
    assert shift.status_code == 201, shift.json()
    sale = owner.post(
        "/api/v1/sales",
        {
            "storefront_id": storefront_id,
            "lines": [{"product_id": rice_id, "quantity": "2"}],
            "payments": [{"method": "cash", "amount": "200.00"}],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert sale.status_code == 201, sale.json()
    body = sale.json()
    assert body["total"] == "190.00"
    assert body["change_total"] == "10.00"
    again = owner.post(
        "/api/v1/sales",
        {
            "storefront_id": storefront_id,
            "lines": [{"product_id": rice_id, "quantity": "2"}],
            "payments": [{"method": "cash", "amount": "200.00"}],
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert again.json() == body
    refund = owner.post(
        f"/api/v1/sales/{body['id']}/refunds",
        {"lines": [{"sale_line_id": body["lines"][0]["id"], "quantity": "1"}], "reason": "Torn bag"},
        format="json",
    )
    assert refund.status_code == 201, refund.json()
    assert refund.json()["status"] == "partially_refunded"
    close = owner.post(
        f"/api/v1/shifts/{shift.json()['id']}/close", {"counted": {"cash": "195.00"}}, format="json"
    )
    assert close.status_code == 200, close.json()
    assert close.json()["counts"][0]["difference"] == "0.00"
    report = owner.get("/api/v1/reports/daily")
    assert report.status_code == 200, report.json()
    totals = report.json()["totals"]
    assert (totals["total"], totals["refunds"]["amount"], totals["total_after_refunds"]) == (
        "190.00",
        "95.00",
        "95.00",
    )
    levels = owner.get("/api/v1/stock/levels").json()
    assert levels["results"][0]["quantity"] == "9.000"
    for path in (
        "/api/v1/reports/trend",
        "/api/v1/reports/top-products",
        "/api/v1/reports/low-stock",
        "/api/v1/stock/movements",
        "/api/v1/sales",
        f"/api/v1/sales/{body['id']}",
        "/api/v1/products",
        "/api/v1/settings",
        "/api/v1/payment-methods",
        "/api/v1/shifts",
        "/api/v1/tax-rates",
    ):
        r = owner.get(path)
        assert r.status_code == 200, (path, r.content[:500])
    exported = b"".join(owner.get("/api/v1/exports/sales.csv").streaming_content).decode()
    assert body["receipt_number"] in exported
    checks = tenant_reconcile(tenant=tenant_a)
    assert all(c.ok for c in checks), checks
