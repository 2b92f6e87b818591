from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.accounts.permissions import Allows
from tenant_apps.storefronts.selectors import storefront_list


class StorefrontOutput(serializers.Serializer):
    id = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    is_active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class StorefrontListApi(APIView):
    permission_classes = [IsAuthenticated, Allows("storefront.view")]

    @extend_schema(responses=StorefrontOutput(many=True), tags=["storefronts"])
    def get(self, request: Request) -> Response:
        return Response(StorefrontOutput(storefront_list(), many=True).data)
