"""Reports and CSV exports. Dates are shop days in the tenant's time zone."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_noop
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from pos_platform.api.inputs import QuerySerializer
from pos_platform.api.tenant import DayRangeQuery, TenantApiView, require_storefront, scope_of
from pos_platform.api.views import TenantRequest
from pos_platform.kernel.errors import ValidationFailed
from pos_platform.kernel.fields import money_field
from pos_platform.kernel.http import csv_response
from tenant_apps.inventory.apis import LevelOutput
from tenant_apps.inventory.selectors import stock_levels
from tenant_apps.reports.selectors import (
    MOVEMENTS_CSV_HEADER,
    SALES_CSV_HEADER,
    daily_summary,
    money_json,
    movements_export_rows,
    sales_export_rows,
    sales_trend,
    top_products,
)
from tenant_apps.shop.services import business_date

MAX_DAYS = 366


def _storefront(request: TenantRequest, action: str) -> uuid.UUID | None:
    storefront_id: uuid.UUID | None = request.query.get("storefront_id")
    if storefront_id is not None:
        require_storefront(request, action, storefront_id)
        return storefront_id
    return scope_of(request)


def _range(request: TenantRequest) -> tuple[dt.date, dt.date]:
    end: dt.date = request.query.get("to") or business_date(timezone.now())
    start: dt.date = request.query.get("from") or end - dt.timedelta(days=29)
    if start > end or (end - start).days >= MAX_DAYS:
        raise ValidationFailed(
            gettext_noop("from must be on or before to, at most %(MAX_DAYS)s days apart."),
            code="range_invalid",
            params={"MAX_DAYS": MAX_DAYS},
        )
    return start, end


class StorefrontQuery(QuerySerializer):
    storefront_id = serializers.UUIDField(required=False, help_text="Only this storefront.")


class RangeQuery(DayRangeQuery, StorefrontQuery):
    """Shop days from .. to: default the 30 days up to today."""


class DailyQuery(StorefrontQuery):
    date = serializers.DateField(required=False, help_text="Shop day (default: today).")


class TopProductsQuery(RangeQuery):
    limit = serializers.IntegerField(required=False, default=10, min_value=1, max_value=100)


class TaxLineOutput(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    rate = serializers.DecimalField(max_digits=7, decimal_places=4)
    compound = serializers.BooleanField()
    base = money_field(max_digits=16)
    amount = money_field(max_digits=16)


class PaymentLineOutput(serializers.Serializer):
    method = serializers.CharField()
    kind = serializers.CharField()
    count = serializers.IntegerField()
    amount = money_field(max_digits=16)


class RefundsOutput(serializers.Serializer):
    count = serializers.IntegerField()
    amount = money_field(max_digits=16)


class DailyRowOutput(serializers.Serializer):
    storefront_id = serializers.UUIDField()
    storefront_code = serializers.CharField()
    storefront_name = serializers.CharField()
    sales_count = serializers.IntegerField()
    gross = money_field(max_digits=16)
    discounts = money_field(max_digits=16)
    net = money_field(max_digits=16)
    tax = money_field(max_digits=16)
    total = money_field(max_digits=16)
    taxes = TaxLineOutput(many=True)
    payments = PaymentLineOutput(many=True)
    refunds = RefundsOutput()
    voids = RefundsOutput()
    total_after_refunds = money_field(max_digits=16)


class DailyTotalsOutput(serializers.Serializer):
    sales_count = serializers.IntegerField()
    gross = money_field(max_digits=16)
    discounts = money_field(max_digits=16)
    net = money_field(max_digits=16)
    tax = money_field(max_digits=16)
    total = money_field(max_digits=16)
    total_after_refunds = money_field(max_digits=16)
    taxes = TaxLineOutput(many=True)
    payments = PaymentLineOutput(many=True)
    refunds = RefundsOutput()


class DailyOutput(serializers.Serializer):
    date = serializers.DateField()
    timezone = serializers.CharField()
    storefronts = DailyRowOutput(many=True)
    totals = DailyTotalsOutput()


class TrendOutput(serializers.Serializer):
    date = serializers.DateField()
    sales_count = serializers.IntegerField()
    net = money_field(max_digits=16)
    tax = money_field(max_digits=16)
    total = money_field(max_digits=16)
    refunds = money_field(max_digits=16)


class TopProductOutput(serializers.Serializer):
    product_id = serializers.UUIDField()
    sku = serializers.CharField()
    name = serializers.CharField()
    quantity = serializers.DecimalField(max_digits=16, decimal_places=3, help_text="Sold minus refunded.")
    quantity_sold = serializers.DecimalField(max_digits=16, decimal_places=3)
    quantity_refunded = serializers.DecimalField(max_digits=16, decimal_places=3)
    revenue = money_field(max_digits=16, help_text="Line totals minus refunds.")


class DailyReportApi(TenantApiView):
    actions = {"GET": "report.view"}
    query = {"GET": DailyQuery}

    @extend_schema(
        responses=DailyOutput,
        tags=["reports"],
        summary="The day's summary per storefront: gross, discounts, net, tax by code, payments, refunds",
    )
    def get(self, request: TenantRequest) -> Response:
        day = request.query.get("date") or business_date(timezone.now())
        data = daily_summary(day=day, storefront_id=_storefront(request, "report.view"))
        return Response(money_json(data))


class TrendReportApi(TenantApiView):
    actions = {"GET": "report.view"}
    query = {"GET": RangeQuery}

    @extend_schema(
        responses=TrendOutput(many=True),
        tags=["reports"],
        summary="Sales per shop day",
    )
    def get(self, request: TenantRequest) -> Response:
        start, end = _range(request)
        rows = sales_trend(start=start, end=end, storefront_id=_storefront(request, "report.view"))
        return Response(money_json(rows))


class TopProductsReportApi(TenantApiView):
    actions = {"GET": "report.view"}
    query = {"GET": TopProductsQuery}

    @extend_schema(
        responses=TopProductOutput(many=True),
        tags=["reports"],
        summary="Best sellers by quantity",
    )
    def get(self, request: TenantRequest) -> Response:
        start, end = _range(request)
        rows = top_products(
            start=start,
            end=end,
            storefront_id=_storefront(request, "report.view"),
            limit=request.query["limit"],
        )
        return Response(money_json(rows))


class LowStockReportApi(TenantApiView):
    actions = {"GET": "report.view"}
    query = {"GET": StorefrontQuery}

    @extend_schema(
        responses=LevelOutput(many=True),
        tags=["reports"],
        summary="Active tracked products at or below their reorder level",
    )
    def get(self, request: TenantRequest) -> Response:
        levels = stock_levels(storefront_id=_storefront(request, "report.view"), low_only=True)[:1000]
        return Response(LevelOutput(levels, many=True).data)


CSV_RESPONSE = {
    (200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR, description="CSV, one row per record.")
}


class SalesExportApi(TenantApiView):
    actions = {"GET": "report.export"}
    query = {"GET": RangeQuery}

    @extend_schema(
        responses=CSV_RESPONSE,
        tags=["reports"],
        summary="CSV of sales (streamed)",
    )
    def get(self, request: TenantRequest) -> StreamingHttpResponse:
        start, end = _range(request)
        rows = sales_export_rows(start=start, end=end, storefront_id=_storefront(request, "report.export"))
        return csv_response(SALES_CSV_HEADER, rows, f"sales-{start}-{end}.csv")


class MovementsExportApi(TenantApiView):
    actions = {"GET": "report.export"}
    query = {"GET": RangeQuery}

    @extend_schema(
        responses=CSV_RESPONSE,
        tags=["reports"],
        summary="CSV of stock movements (streamed)",
    )
    def get(self, request: TenantRequest) -> StreamingHttpResponse:
        start, end = _range(request)
        rows = movements_export_rows(
            start=start, end=end, storefront_id=_storefront(request, "report.export")
        )
        return csv_response(MOVEMENTS_CSV_HEADER, rows, f"stock-movements-{start}-{end}.csv")
