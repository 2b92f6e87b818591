"""Filters of the audit log API (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet

from pos_platform.kernel.audit.models import AuditEvent


class AuditEventFilter(django_filters.FilterSet):
    action = django_filters.CharFilter(
        method="filter_action",
        help_text="An exact action (`staff.invited`), or an area ending with a dot (`auth.`).",
    )
    actor = django_filters.UUIDFilter(field_name="actor_id", help_text="The acting user's id.")
    object_type = django_filters.CharFilter(field_name="object_type")
    object_id = django_filters.CharFilter(field_name="object_id")
    storefront = django_filters.UUIDFilter(field_name="storefront_id")
    since = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="gte", help_text="At or after.")
    until = django_filters.IsoDateTimeFilter(field_name="at", lookup_expr="lt", help_text="Before.")

    class Meta:
        model = AuditEvent
        fields: list[str] = []

    def filter_action(self, queryset: QuerySet[AuditEvent], name: str, value: str) -> QuerySet[AuditEvent]:
        if value.endswith("."):
            return queryset.filter(action__startswith=value)
        return queryset.filter(action=value)
