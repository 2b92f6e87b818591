from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pos_platform.api.inputs import InputSerializer, PageQuery, page_of
from pos_platform.api.tenant import TenantApiView, actor_of, paginate
from pos_platform.api.views import TenantRequest
from pos_platform.kernel.fields import money_field, quantity_field
from tenant_apps.catalog.errors import ProductNotFound
from tenant_apps.catalog.models import Product
from tenant_apps.catalog.selectors import price_history, product_get, product_list
from tenant_apps.catalog.services import price_set, product_create, product_update


class ProductOutput(serializers.Serializer):
    id = serializers.UUIDField()
    sku = serializers.CharField()
    barcode = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField()
    unit = serializers.CharField()
    price = money_field(allow_null=True, help_text="Base price in force now.")
    tax_category_id = serializers.UUIDField(allow_null=True)
    track_stock = serializers.BooleanField()
    is_active = serializers.BooleanField()
    reorder_level = quantity_field()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class ProductCreateInput(InputSerializer):
    sku = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=200)
    price = money_field(min_value=0)
    tax_category_id = serializers.UUIDField(required=False, allow_null=True)
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    category = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=16, required=False, default="pcs")
    track_stock = serializers.BooleanField(default=True)
    reorder_level = quantity_field(min_value=0, max_value=100000, required=False)


class ProductUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=200, required=False)
    barcode = serializers.CharField(max_length=64, required=False, allow_blank=True)
    category = serializers.CharField(max_length=80, required=False, allow_blank=True)
    unit = serializers.CharField(max_length=16, required=False)
    tax_category_id = serializers.UUIDField(required=False, allow_null=True)
    track_stock = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)
    reorder_level = quantity_field(min_value=0, max_value=100000, required=False)


class PriceOutput(serializers.Serializer):
    id = serializers.UUIDField()
    product_id = serializers.UUIDField()
    storefront_id = serializers.UUIDField(allow_null=True)
    price = money_field(allow_null=True)
    effective_from = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


class PriceInput(InputSerializer):
    price = money_field(min_value=0, allow_null=True)
    storefront_id = serializers.UUIDField(
        required=False, allow_null=True, help_text="Override at one storefront."
    )
    effective_from = serializers.DateTimeField(required=False, help_text="Default: now.")


class ProductQuery(PageQuery):
    q = serializers.CharField(
        required=False, allow_blank=True, max_length=200, help_text="Name contains, or exact SKU or barcode."
    )
    active = serializers.BooleanField(required=False, allow_null=True, default=None)
    category = serializers.CharField(required=False, allow_blank=True, max_length=80)
    tax_category_id = serializers.UUIDField(required=False)


class ProductsApi(TenantApiView):
    actions = {"GET": "catalog.view", "POST": "catalog.manage"}
    query = {"GET": ProductQuery}

    @extend_schema(
        responses=page_of(ProductOutput),
        tags=["catalog"],
        summary="Products with their current base price",
    )
    def get(self, request: TenantRequest) -> Response:
        params = request.query
        qs = product_list(
            search=params.get("q", "").strip(),
            active=params["active"],
            category=params.get("category", ""),
            tax_category_id=params.get("tax_category_id"),
        )
        return paginate(request, self, qs, ProductOutput)

    @extend_schema(
        request=ProductCreateInput,
        responses={201: ProductOutput},
        tags=["catalog"],
        summary="Create a product with its first price",
        examples=[
            OpenApiExample(
                "Rice",
                value={
                    "sku": "RICE-5KG",
                    "name": "Rice 5 kg",
                    "price": "85.00",
                    "barcode": "6001234567890",
                    "tax_category_id": "7b1d3f4e-0000-4000-8000-000000000001",
                    "reorder_level": "10",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        data = ProductCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        product = product_create(**data.validated_data, actor=actor_of(request))
        return Response(ProductOutput(product_get(product_id=product.pk)).data, status=201)


def _product(product_id: uuid.UUID) -> Product:
    product = product_get(product_id=product_id)
    if product is None:
        raise ProductNotFound()
    return product


class ProductDetailApi(TenantApiView):
    actions = {"GET": "catalog.view", "PATCH": "catalog.manage"}

    @extend_schema(responses=ProductOutput, tags=["catalog"], summary="One product")
    def get(self, request: Request, product_id: uuid.UUID) -> Response:
        return Response(ProductOutput(_product(product_id)).data)

    @extend_schema(
        request=ProductUpdateInput,
        responses=ProductOutput,
        tags=["catalog"],
        summary="Change a product (deactivate with is_active=false; prices have their own endpoint)",
        examples=[OpenApiExample("Stop selling", value={"is_active": False}, request_only=True)],
    )
    def patch(self, request: Request, product_id: uuid.UUID) -> Response:
        _product(product_id)
        data = ProductUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        product_update(product_id=product_id, actor=actor_of(request), **data.validated_data)
        return Response(ProductOutput(_product(product_id)).data)


class ProductPricesApi(TenantApiView):
    actions = {"GET": "catalog.view", "POST": "catalog.manage"}

    @extend_schema(responses=PriceOutput(many=True), tags=["catalog"], summary="A product's price history")
    def get(self, request: Request, product_id: uuid.UUID) -> Response:
        _product(product_id)
        return Response(PriceOutput(price_history(product_id=product_id), many=True).data)

    @extend_schema(
        request=PriceInput,
        responses={201: PriceOutput},
        tags=["catalog"],
        summary="Set a price from a time (base, or one storefront's override; null ends an override)",
        examples=[
            OpenApiExample("New base price", value={"price": "90.00"}, request_only=True),
            OpenApiExample(
                "Storefront price from Monday",
                value={
                    "price": "92.00",
                    "storefront_id": "5f0c6b1e-0000-4000-8000-000000000002",
                    "effective_from": "2025-03-03T06:00:00Z",
                },
                request_only=True,
            ),
        ],
    )
    def post(self, request: Request, product_id: uuid.UUID) -> Response:
        _product(product_id)
        data = PriceInput(data=request.data)
        data.is_valid(raise_exception=True)
        row = price_set(product_id=product_id, actor=actor_of(request), **data.validated_data)
        return Response(PriceOutput(row).data, status=201)
