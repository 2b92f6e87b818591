"""The dashboard (the portal's home for those who may read reports), the reports page, the day
report (X while the day is open, Z once it is over) and the CSV exports. Every figure comes from
the reports selectors the API uses."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from pos_platform.kernel.http import csv_response
from pos_platform.portal import formatting
from pos_platform.portal.charts import bar_chart
from pos_platform.portal.pages import PortalRequest, allowed, membership_of, portal_page, require, scope_of
from pos_platform.portal.periods import Period, period_of, today
from shared_apps.accounts.portal.views import account_context
from shared_apps.accounts.selectors import people_names
from tenant_apps.inventory.selectors import stock_levels
from tenant_apps.reports.selectors import (
    MOVEMENTS_CSV_HEADER,
    SALES_CSV_HEADER,
    daily_summary,
    movements_export_rows,
    period_summary,
    sales_by_cashier,
    sales_by_hour,
    sales_by_payment_method,
    sales_export_rows,
    sales_trend,
    top_products,
)
from tenant_apps.storefronts.selectors import storefront_list

LOW_STOCK_SHOWN = 10
TREND_DAYS = 30


def storefront_filter(request: PortalRequest, action: str) -> tuple[uuid.UUID | None, list[Any]]:
    """The storefront the figures are limited to (``?storefront=``; a scoped member's own), and
    the storefronts to choose from."""
    scope = scope_of(request)
    storefronts = [s for s in storefront_list() if scope is None or s.pk == scope]
    chosen: uuid.UUID | None = scope
    value = request.GET.get("storefront") or ""
    if value:
        try:
            chosen = uuid.UUID(value)
        except ValueError:
            chosen = scope
        require(request, action, chosen)
    return chosen, storefronts


def _delta(now: Decimal | int, before: Decimal | int) -> dict[str, Any] | None:
    if not before:
        return None
    change = (Decimal(now) - Decimal(before)) / Decimal(before) * 100
    return {"percent": change.quantize(Decimal("1")), "up": change >= 0}


def _kpis(period: Period, storefront_id: uuid.UUID | None) -> list[dict[str, Any]]:
    now = period_summary(start=period.start, end=period.end, storefront_id=storefront_id)
    before = period_summary(start=period.previous_start, end=period.previous_end, storefront_id=storefront_id)
    refunds = now["refunds"]["count"]
    return [
        {
            "key": "net_sales",
            "label": _("Net sales"),
            "value": formatting.money(now["net_sales"]),
            "before": formatting.money(before["net_sales"]),
            "delta": _delta(now["net_sales"], before["net_sales"]),
        },
        {
            "key": "sales_count",
            "label": _("Sales"),
            "value": formatting.number(now["sales_count"]),
            "before": formatting.number(before["sales_count"]),
            "delta": _delta(now["sales_count"], before["sales_count"]),
        },
        {
            "key": "average_sale",
            "label": _("Average sale"),
            "value": formatting.money(now["average_sale"]),
            "before": formatting.money(before["average_sale"]),
            "delta": _delta(now["average_sale"], before["average_sale"]),
        },
        {
            "key": "refunds",
            "label": _("Refunds"),
            "value": formatting.money(now["refunds"]["amount"]),
            "before": formatting.money(before["refunds"]["amount"]),
            "delta": None,
            "note": ngettext("%(n)s refund", "%(n)s refunds", refunds) % {"n": refunds},
        },
    ]


def _trend_chart(rows: list[dict[str, Any]], title: str) -> Any:
    points = [
        (
            formatting.weekday(dt.date.fromisoformat(r["date"])),
            r["total"],
            str(dt.date.fromisoformat(r["date"]).day),
        )
        for r in rows
    ]
    return bar_chart(points, title=title, fmt=formatting.money, tick_every=5)


def _panels(request: HttpRequest, storefront_id: uuid.UUID | None) -> list[dict[str, Any]]:
    """What other apps add to the dashboard (``settings.POS_PORTAL_DASHBOARD_PANELS``: callables
    ``(request, storefront_id) -> {"template": ..., ...context} | None``)."""
    panels = []
    for path in getattr(settings, "POS_PORTAL_DASHBOARD_PANELS", []):
        panel = import_string(path)(request, storefront_id)
        if panel is not None:
            panels.append(panel)
    return panels


@portal_page()
@require_GET
def home_view(request: PortalRequest) -> HttpResponse:
    """The dashboard for those who may read reports; a start page for the others."""
    if not allowed(request, "report.view"):
        return render(request, "reports/portal/start.html", account_context(request))
    period = period_of(request, presets=("today", "7d", "30d", "month"))
    storefront_id, storefronts = storefront_filter(request, "report.view")
    day = today()
    trend = sales_trend(start=day - dt.timedelta(days=TREND_DAYS - 1), end=day, storefront_id=storefront_id)
    hours = sales_by_hour(day=day, storefront_id=storefront_id) if period.key == "today" else []
    low = list(stock_levels(storefront_id=storefront_id, low_only=True)[:LOW_STOCK_SHOWN])
    return render(
        request,
        "reports/portal/dashboard.html",
        {
            "period": period,
            "presets": [
                ("today", _("Today")),
                ("7d", _("7 days")),
                ("30d", _("30 days")),
                ("month", _("This month")),
            ],
            "storefront_id": str(storefront_id or ""),
            "storefronts": storefronts,
            "kpis": _kpis(period, storefront_id),
            "trend": trend,
            "trend_chart": _trend_chart(trend, _("Sales per day, last 30 days")),
            "hours_chart": bar_chart(
                [(f"{h['hour']:02d}:00", h["total"], f"{h['hour']:02d}") for h in hours],
                title=_("Sales by hour, today"),
                fmt=formatting.money,
                tick_every=3,
            )
            if hours
            else None,
            "top": top_products(start=period.start, end=period.end, storefront_id=storefront_id, limit=5),
            "low": low,
            "panels": _panels(request, storefront_id),
            "can_export": allowed(request, "report.export"),
        },
    )


@portal_page("report.view")
@require_GET
def reports_view(request: PortalRequest) -> HttpResponse:
    period = period_of(request, default="30d")
    storefront_id, storefronts = storefront_filter(request, "report.view")
    trend = sales_trend(start=period.start, end=period.end, storefront_id=storefront_id)
    cashiers = sales_by_cashier(start=period.start, end=period.end, storefront_id=storefront_id)
    names = people_names(user_ids=[c["cashier_id"] for c in cashiers])
    for row in cashiers:
        row["name"] = names.get(row["cashier_id"], row["cashier_id"])
    return render(
        request,
        "reports/portal/reports.html",
        {
            "period": period,
            "presets": [("7d", _("7 days")), ("30d", _("30 days")), ("month", _("This month"))],
            "storefront_id": str(storefront_id or ""),
            "storefronts": storefronts,
            "summary": period_summary(start=period.start, end=period.end, storefront_id=storefront_id),
            "trend": trend,
            "trend_chart": _trend_chart(trend, _("Sales per day")),
            "top": top_products(start=period.start, end=period.end, storefront_id=storefront_id, limit=20),
            "cashiers": cashiers,
            "methods": sales_by_payment_method(
                start=period.start, end=period.end, storefront_id=storefront_id
            ),
            "can_export": allowed(request, "report.export"),
        },
    )


@portal_page("report.view")
@require_GET
def day_report_view(request: PortalRequest) -> HttpResponse:
    """The day's report per storefront: an X report (the day so far) for today, a Z report (the
    closed day) for a day that is over."""
    current = today()
    try:
        day = dt.date.fromisoformat(request.GET.get("date") or current.isoformat())
    except ValueError:
        day = current
    day = min(day, current)
    storefront_id, storefronts = storefront_filter(request, "report.view")
    report = daily_summary(day=day, storefront_id=storefront_id)
    return render(
        request,
        "reports/portal/day.html",
        {
            "day": day,
            "is_open": day == current,
            "printed_at": timezone.now(),
            "report": report,
            "storefront_id": str(storefront_id or ""),
            "storefronts": storefronts,
            "previous_day": (day - dt.timedelta(days=1)).isoformat(),
            "next_day": (day + dt.timedelta(days=1)).isoformat() if day < current else None,
            "membership": membership_of(request),
        },
    )


@portal_page("report.export")
@require_GET
def sales_export_view(request: PortalRequest) -> StreamingHttpResponse:
    period = period_of(request, default="30d")
    storefront_id, _choices = storefront_filter(request, "report.export")
    rows = sales_export_rows(start=period.start, end=period.end, storefront_id=storefront_id)
    return csv_response(SALES_CSV_HEADER, rows, f"sales-{period.start}-{period.end}.csv")


@portal_page("report.export")
@require_GET
def movements_export_view(request: PortalRequest) -> StreamingHttpResponse:
    period = period_of(request, default="30d")
    storefront_id, _choices = storefront_filter(request, "report.export")
    rows = movements_export_rows(start=period.start, end=period.end, storefront_id=storefront_id)
    return csv_response(MOVEMENTS_CSV_HEADER, rows, f"stock-movements-{period.start}-{period.end}.csv")
