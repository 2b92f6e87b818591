"""The shop's audit log, read-only, for owners and admins."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from pos_platform.kernel.audit.models import AuditEvent
from shared_apps.accounts.permissions import Allows
from tenant_apps.audit.filters import AuditEventFilter
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


@extend_schema(
    tags=["audit"],
    summary="The shop's audit log",
    description=(
        "Newest first, paginated with `limit` and `offset`. Sign-ins and failures, lockouts, MFA "
        "changes, backup codes used, tokens issued and revoked, staff invited, changed, "
        "deactivated, and the changes other parts of the system record."
    ),
)
class AuditEventListApi(generics.ListAPIView):
    permission_classes = [Allows("audit.view")]
    serializer_class = AuditEventOutput
    filterset_class = AuditEventFilter

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return audit_event_list()
