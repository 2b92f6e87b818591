from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pos_platform.api.inputs import DateTimeParam, InputSerializer, QuerySerializer
from pos_platform.api.tenant import TenantApiView, actor_of
from pos_platform.api.views import TenantRequest
from tenant_apps.taxes.selectors import tax_category_list, tax_rate_list
from tenant_apps.taxes.services import tax_category_create, tax_rate_add, tax_rate_end


class TaxCategoryOutput(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    updated_at = serializers.DateTimeField()


class TaxCategoryInput(InputSerializer):
    code = serializers.CharField(max_length=16)
    name = serializers.CharField(max_length=80)


class TaxRateOutput(serializers.Serializer):
    id = serializers.UUIDField()
    category_id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    rate = serializers.DecimalField(max_digits=7, decimal_places=4)
    compound = serializers.BooleanField()
    position = serializers.IntegerField()
    effective_from = serializers.DateTimeField()
    effective_to = serializers.DateTimeField(allow_null=True)
    updated_at = serializers.DateTimeField()


class TaxRateInput(InputSerializer):
    category_id = serializers.UUIDField()
    code = serializers.CharField(max_length=16)
    name = serializers.CharField(max_length=80)
    rate = serializers.DecimalField(
        max_digits=7, decimal_places=4, min_value=0, max_value=100, help_text="Percent."
    )
    compound = serializers.BooleanField(
        default=False, help_text="Charged on the price plus the non-compound taxes."
    )
    position = serializers.IntegerField(default=0, min_value=0, max_value=1000)
    effective_from = serializers.DateTimeField(required=False)
    effective_to = serializers.DateTimeField(required=False, allow_null=True)


class TaxRateEndInput(InputSerializer):
    effective_to = serializers.DateTimeField(required=False)


class TaxCategoriesApi(TenantApiView):
    actions = {"GET": "catalog.view", "POST": "tax.manage"}

    @extend_schema(responses=TaxCategoryOutput(many=True), tags=["taxes"], summary="Tax categories")
    def get(self, request: Request) -> Response:
        return Response(TaxCategoryOutput(tax_category_list(), many=True).data)

    @extend_schema(
        request=TaxCategoryInput,
        responses={201: TaxCategoryOutput},
        tags=["taxes"],
        summary="Create a tax category",
        examples=[
            OpenApiExample("Standard", value={"code": "STD", "name": "Standard rated"}, request_only=True)
        ],
    )
    def post(self, request: Request) -> Response:
        data = TaxCategoryInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            TaxCategoryOutput(tax_category_create(**data.validated_data, actor=actor_of(request))).data,
            status=201,
        )


class TaxRateQuery(QuerySerializer):
    category_id = serializers.UUIDField(required=False)
    at = DateTimeParam(required=False, help_text="Only the rates in force at this time.")


class TaxRatesApi(TenantApiView):
    actions = {"GET": "catalog.view", "POST": "tax.manage"}
    query = {"GET": TaxRateQuery}

    @extend_schema(
        responses=TaxRateOutput(many=True),
        tags=["taxes"],
        summary="Tax rates with their periods",
    )
    def get(self, request: TenantRequest) -> Response:
        params = request.query
        rates = tax_rate_list(category_id=params.get("category_id"), at=params.get("at"))
        return Response(TaxRateOutput(rates, many=True).data)

    @extend_schema(
        request=TaxRateInput,
        responses={201: TaxRateOutput},
        tags=["taxes"],
        summary="Add a rate from a date (an open rate of the same code is closed there)",
        examples=[
            OpenApiExample(
                "Ghana VAT on top of the levies",
                value={
                    "category_id": "7b1d3f4e-0000-4000-8000-000000000001",
                    "code": "VAT",
                    "name": "Value Added Tax",
                    "rate": "15",
                    "compound": True,
                    "position": 4,
                    "effective_from": "2024-01-01T00:00:00Z",
                },
                request_only=True,
            ),
            OpenApiExample(
                "NHIL",
                value={
                    "category_id": "7b1d3f4e-0000-4000-8000-000000000001",
                    "code": "NHIL",
                    "name": "National Health Insurance Levy",
                    "rate": "2.5",
                    "position": 1,
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        data = TaxRateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            TaxRateOutput(tax_rate_add(**data.validated_data, actor=actor_of(request))).data, status=201
        )


class TaxRateEndApi(TenantApiView):
    actions = {"POST": "tax.manage"}

    @extend_schema(
        request=TaxRateEndInput,
        responses=TaxRateOutput,
        tags=["taxes"],
        summary="End a rate (e.g. an abolished levy) from a time, default now",
    )
    def post(self, request: Request, rate_id: uuid.UUID) -> Response:
        data = TaxRateEndInput(data=request.data)
        data.is_valid(raise_exception=True)
        rate = tax_rate_end(rate_id=rate_id, actor=actor_of(request), **data.validated_data)
        return Response(TaxRateOutput(rate).data)
