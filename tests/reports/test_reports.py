"""Reports add up to the sales they summarise, in the shop's time zone; CSV exports stream."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
from collections import defaultdict
from decimal import Decimal

from django.utils import timezone

from pos_platform.kernel.actors import Actor
from shared_apps.tenants.models import Tenant
from tenant_apps.sales.models import Payment, Sale, SaleEvent
from tenant_apps.sales.services import (
    Origin,
    PaymentInput,
    RefundLineInput,
    SaleLineInput,
    sale_refund,
    sale_void,
)
from tenant_apps.shop.services import business_date
from tests.conftest import Shop, api_client
from tests.sales.helpers import D, sell, use


def busy_day(shop: Shop) -> list[Sale]:
    actor = Actor.of_user(shop.owner.user)
    sales = [
        sell(shop, ("rice", 2), ("water", 3)).sale,
        sell(
            shop, ("soap", 5), pay=[PaymentInput("mobile_money", D("30.50"), provider="MTN", reference="A")]
        ).sale,
        sell(
            shop,
            ("rice", 1),
            pay=[PaymentInput("card", D(20), card_last4="4242", auth_code="X"), PaymentInput("cash", D(10))],
        ).sale,
        sell(
            shop,
            lines=[SaleLineInput(shop.products["rice"].pk, D(3), discount=D("5.00"))],
            sale_discount=D(2),
        ).sale,
        sell(shop, ("airtime", 2)).sale,
    ]
    sale_void(sale_id=sales[4].pk, actor=actor, reason="mistake")
    sale_refund(
        sale_id=sales[0].pk,
        lines=[RefundLineInput(sales[0].lines.get(position=1).pk, D(2))],
        actor=actor,
        reason="r",
    )
    return sales


def test_the_daily_summary_matches_the_sales_it_summarises(shop_a: Shop) -> None:
    busy_day(shop_a)
    kept = Sale.objects.exclude(events__kind="voided")

    report = shop_a.owner.client.get("/api/v1/reports/daily").json()

    [row] = report["storefronts"]
    assert row["sales_count"] == kept.count() == 4
    for field, column in (
        ("gross", "subtotal"),
        ("net", "net_total"),
        ("tax", "tax_total"),
        ("total", "total"),
    ):
        assert D(row[field]) == sum(s.__dict__[column] for s in kept), field
    assert D(row["discounts"]) == sum(s.line_discount_total + s.sale_discount for s in kept) == D(7)
    taxes: dict[str, Decimal] = defaultdict(Decimal)
    for sale in kept:
        for tax in sale.tax_breakdown:
            taxes[tax["code"]] += D(tax["amount"])
    assert {t["code"]: D(t["amount"]) for t in row["taxes"]} == taxes
    assert sum(D(t["amount"]) for t in row["taxes"]) == D(row["tax"])
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for payment in Payment.objects.filter(sale__in=kept).select_related("method"):
        paid[payment.method.code] += payment.amount
    assert {p["method"]: D(p["amount"]) for p in row["payments"]} == paid
    assert sum(paid.values()) == D(row["total"])
    refunds = SaleEvent.objects.filter(kind="refunded")
    assert (row["refunds"]["count"], D(row["refunds"]["amount"])) == (1, sum(e.amount for e in refunds))
    assert row["voids"]["count"] == 1
    assert D(row["total_after_refunds"]) == D(row["total"]) - D(row["refunds"]["amount"])
    assert report["totals"]["total"] == row["total"]


def test_days_are_the_shops_days(shop_a: Shop, tenant_a: Tenant) -> None:
    tenant_a.timezone = "Africa/Nairobi"  # UTC+3
    tenant_a.save(update_fields=["timezone"])
    use(shop_a)
    from pos_platform.db import connection

    connection.tenant.timezone = "Africa/Nairobi"
    late = dt.datetime(2025, 1, 10, 22, 30, tzinfo=dt.UTC)  # 01:30 on the 11th in Nairobi
    sell(
        shop_a,
        ("rice", 1),
        origin=Origin.terminal(terminal_id=uuid.uuid4(), receipt_number="ACC-T-1"),
        occurred_at=late,
    )

    owner = shop_a.owner.client
    tenth = owner.get("/api/v1/reports/daily?date=2025-01-10").json()
    eleventh = owner.get("/api/v1/reports/daily?date=2025-01-11").json()
    trend = owner.get("/api/v1/reports/trend?from=2025-01-09&to=2025-01-12").json()

    assert tenth["storefronts"] == []
    assert eleventh["timezone"] == "Africa/Nairobi"
    assert eleventh["storefronts"][0]["sales_count"] == 1
    assert [(d["date"], d["sales_count"]) for d in trend] == [
        ("2025-01-09", 0),
        ("2025-01-10", 0),
        ("2025-01-11", 1),
        ("2025-01-12", 0),
    ]


def test_trend_top_products_and_exports(shop_a: Shop) -> None:
    sales = busy_day(shop_a)
    owner = shop_a.owner.client
    today = business_date(timezone.now()).isoformat()

    trend = owner.get(f"/api/v1/reports/trend?from={today}&to={today}").json()
    top = owner.get(f"/api/v1/reports/top-products?from={today}&to={today}&limit=2").json()
    sales_csv = owner.get(f"/api/v1/exports/sales.csv?from={today}&to={today}")
    movements_csv = owner.get(f"/api/v1/exports/stock-movements.csv?from={today}&to={today}")

    daily = owner.get("/api/v1/reports/daily").json()["totals"]
    assert (trend[0]["sales_count"], trend[0]["total"]) == (daily["sales_count"], daily["total"])
    assert [(p["sku"], p["quantity"]) for p in top] == [("RICE", "6.000"), ("SOAP", "5.000")]
    rows = list(csv.DictReader(io.StringIO(b"".join(sales_csv.streaming_content).decode())))
    assert sales_csv["Content-Type"].startswith("text/csv")
    assert {r["receipt_number"] for r in rows} == {s.receipt_number for s in sales}
    assert {r["status"] for r in rows} == {"completed", "voided", "partially_refunded"}
    assert sum(D(r["total"]) for r in rows if r["status"] != "voided") == D(daily["total"])
    movements = list(csv.DictReader(io.StringIO(b"".join(movements_csv.streaming_content).decode())))
    assert {m["kind"] for m in movements} == {"sale", "refund"}


def test_reports_need_a_supervisor_and_respect_scope(shop_a: Shop, make_member) -> None:
    busy_day(shop_a)
    there = make_member(shop_a.tenant, "manager", storefront_id=shop_a.other_storefront.pk)

    assert shop_a.cashier.client.get("/api/v1/reports/daily").status_code == 403
    assert shop_a.cashier.client.get("/api/v1/exports/sales.csv").status_code == 403
    assert there.client.get("/api/v1/reports/daily").json()["storefronts"] == []
    rows = b"".join(there.client.get("/api/v1/exports/sales.csv").streaming_content).decode().splitlines()
    assert len(rows) == 1  # the header only
    bad = shop_a.owner.client.get("/api/v1/reports/trend?from=2025-02-01&to=2025-01-01")
    assert (bad.status_code, bad.json()["code"]) == (400, "range_invalid")
    bad_date = shop_a.owner.client.get("/api/v1/reports/daily?date=yesterday").json()
    assert (bad_date["code"], bad_date["details"]["parameter"]) == ("query_invalid", "date")


def test_report_isolation(shop_a: Shop, shop_b: Shop) -> None:
    use(shop_a)
    busy_day(shop_a)

    at_b = shop_b.owner.client.get("/api/v1/reports/daily").json()
    foreign = api_client("beta")
    foreign.credentials(HTTP_AUTHORIZATION=f"Bearer {shop_a.owner.token}")

    assert at_b["storefronts"] == []
    assert foreign.get("/api/v1/reports/daily").status_code == 401
    assert foreign.get("/api/v1/exports/sales.csv").status_code == 401


def test_the_sales_export_gives_each_sale_the_status_the_api_gives_it(shop_a: Shop) -> None:
    actor = Actor.of_user(shop_a.owner.user)
    rice = shop_a.products["rice"].pk
    sell(shop_a, ("rice", 1))
    # A line given away: refunding it returns nothing, and the sale is still partly refunded.
    free = sell(shop_a, lines=[SaleLineInput(rice, D(1), discount=D(25)), SaleLineInput(rice, D(1))]).sale
    sale_refund(
        sale_id=free.pk, lines=[RefundLineInput(free.lines.get(position=0).pk, D(1))], actor=actor, reason="r"
    )
    whole = sell(shop_a, ("water", 2)).sale
    sale_refund(
        sale_id=whole.pk, lines=[RefundLineInput(whole.lines.get().pk, D(2))], actor=actor, reason="r"
    )
    voided = sell(shop_a, ("soap", 1)).sale
    sale_void(sale_id=voided.pk, actor=actor, reason="mistake")
    owner = shop_a.owner.client

    exported = owner.get("/api/v1/exports/sales.csv")
    listed = owner.get("/api/v1/sales").json()["results"]

    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode())))
    assert {r["receipt_number"]: (r["status"], D(r["refunded"])) for r in rows} == {
        s["receipt_number"]: (s["status"], D(s["refunded_total"])) for s in listed
    }
    assert sorted(s["status"] for s in listed) == [
        "completed",
        "partially_refunded",
        "refunded",
        "voided",
    ]
