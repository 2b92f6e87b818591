"""The shop's audit log, read-only, for owners and admins."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from pos_platform.api.inputs import DateTimeParam, PageQuery, page_of
from pos_platform.api.tenant import TenantApiView, paginate
from pos_platform.api.views import TenantRequest
from pos_platform.kernel.audit.models import AuditEvent
from tenant_apps.audit.selectors import audit_event_list


class AuditEventOutput(serializers.ModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "at",
            "actor_id",
            "actor_label",
            "action",
            "object_type",
            "object_id",
            "storefront_id",
            "ip",
            "details",
        ]


class AuditQuery(PageQuery):
    action = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="An exact action (`staff.invited`), or an area ending with a dot (`auth.`).",
    )
    actor = serializers.UUIDField(required=False, help_text="The acting user's id.")
    object_type = serializers.CharField(required=False, allow_blank=True, max_length=64)
    object_id = serializers.CharField(required=False, allow_blank=True, max_length=64)
    storefront = serializers.UUIDField(required=False)
    since = DateTimeParam(required=False, help_text="At or after.")
    until = DateTimeParam(required=False, help_text="Before.")


class AuditEventListApi(TenantApiView):
    actions = {"GET": "audit.view"}
    query = {"GET": AuditQuery}

    @extend_schema(
        tags=["audit"],
        summary="The shop's audit log",
        description=(
            "Newest first, paginated with `limit` and `offset`. Sign-ins and failures, lockouts, MFA "
            "changes, backup codes used, tokens issued and revoked, staff invited, changed, "
            "deactivated, and the changes other parts of the system record."
        ),
        responses=page_of(AuditEventOutput),
    )
    def get(self, request: TenantRequest) -> Response:
        params = request.query
        events = audit_event_list(
            action=params.get("action", ""),
            actor_id=params.get("actor"),
            object_type=params.get("object_type", ""),
            object_id=params.get("object_id", ""),
            storefront_id=params.get("storefront"),
            since=params.get("since"),
            until=params.get("until"),
        )
        return paginate(request, self, events, AuditEventOutput)
