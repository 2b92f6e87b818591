"""Storefronts (outlets) of a tenant."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pos_platform.api.inputs import InputSerializer
from pos_platform.api.tenant import TenantApiView, actor_of, scope_of, visible_or_404
from pos_platform.kernel.errors import NotFound
from tenant_apps.storefronts.models import Storefront
from tenant_apps.storefronts.selectors import storefront_list
from tenant_apps.storefronts.services import storefront_create, storefront_update


class StorefrontOutput(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class StorefrontCreateInput(InputSerializer):
    code = serializers.CharField(
        max_length=8, help_text="2 to 8 capital letters or digits; prefixes receipts."
    )
    name = serializers.CharField(max_length=120)


class StorefrontUpdateInput(InputSerializer):
    name = serializers.CharField(max_length=120, required=False)
    is_active = serializers.BooleanField(required=False)


class StorefrontsApi(TenantApiView):
    actions = {"GET": "storefront.view", "POST": "storefront.manage"}

    @extend_schema(
        responses=StorefrontOutput(many=True),
        tags=["storefronts"],
        summary="List storefronts (a member limited to one storefront sees only it)",
    )
    def get(self, request: Request) -> Response:
        qs = storefront_list()
        scope = scope_of(request)
        if scope is not None:
            qs = qs.filter(pk=scope)
        return Response(StorefrontOutput(qs, many=True).data)

    @extend_schema(
        request=StorefrontCreateInput,
        responses={201: StorefrontOutput},
        tags=["storefronts"],
        summary="Create a storefront",
        examples=[OpenApiExample("Accra", value={"code": "ACC", "name": "Accra Central"}, request_only=True)],
    )
    def post(self, request: Request) -> Response:
        data = StorefrontCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        storefront = storefront_create(**data.validated_data, actor=actor_of(request))
        return Response(StorefrontOutput(storefront).data, status=201)


def _get(request: Request, storefront_id: uuid.UUID) -> Storefront:
    storefront = Storefront.objects.filter(pk=storefront_id).first()
    if storefront is None:
        raise NotFound()
    visible_or_404(request, "storefront.view", storefront.pk)
    return storefront


class StorefrontDetailApi(TenantApiView):
    actions = {"GET": "storefront.view", "PATCH": "storefront.manage"}

    @extend_schema(responses=StorefrontOutput, tags=["storefronts"], summary="One storefront")
    def get(self, request: Request, storefront_id: uuid.UUID) -> Response:
        return Response(StorefrontOutput(_get(request, storefront_id)).data)

    @extend_schema(
        request=StorefrontUpdateInput,
        responses=StorefrontOutput,
        tags=["storefronts"],
        summary="Rename, close or reopen a storefront (its data is kept)",
        examples=[OpenApiExample("Close", value={"is_active": False}, request_only=True)],
    )
    def patch(self, request: Request, storefront_id: uuid.UUID) -> Response:
        storefront = _get(request, storefront_id)
        data = StorefrontUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        storefront = storefront_update(
            storefront_id=storefront.pk, actor=actor_of(request), **data.validated_data
        )
        return Response(StorefrontOutput(storefront).data)
