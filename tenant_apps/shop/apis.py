from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pos_platform.api.inputs import InputSerializer
from pos_platform.api.tenant import TenantApiView, actor_of
from tenant_apps.shop.models import RECEIPT_TEXT_MAX
from tenant_apps.shop.services import shop_settings_get, shop_settings_update


class SettingsOutput(serializers.Serializer):
    id = serializers.UUIDField()
    prices_include_tax = serializers.BooleanField()
    allow_negative_stock = serializers.BooleanField()
    minor_unit = serializers.IntegerField()
    receipt_header = serializers.CharField()
    receipt_footer = serializers.CharField()
    updated_at = serializers.DateTimeField()


class SettingsInput(InputSerializer):
    prices_include_tax = serializers.BooleanField(required=False)
    allow_negative_stock = serializers.BooleanField(required=False)
    minor_unit = serializers.ChoiceField(choices=[0, 1, 2], required=False)
    # Checked by the service (length, lines, control characters): the same rules as the portal.
    receipt_header = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=RECEIPT_TEXT_MAX * 2
    )
    receipt_footer = serializers.CharField(
        required=False, allow_blank=True, trim_whitespace=False, max_length=RECEIPT_TEXT_MAX * 2
    )


class SettingsApi(TenantApiView):
    actions = {"GET": "catalog.view", "PATCH": "settings.manage"}

    @extend_schema(responses=SettingsOutput, tags=["settings"], summary="The shop's sales settings")
    def get(self, request: Request) -> Response:
        return Response(SettingsOutput(shop_settings_get()).data)

    @extend_schema(
        request=SettingsInput,
        responses=SettingsOutput,
        tags=["settings"],
        summary="Change the shop's sales settings",
        examples=[
            OpenApiExample("Tax added at the till", value={"prices_include_tax": False}, request_only=True)
        ],
    )
    def patch(self, request: Request) -> Response:
        data = SettingsInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            SettingsOutput(shop_settings_update(**data.validated_data, actor=actor_of(request))).data
        )
