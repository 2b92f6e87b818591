from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shared_apps.audit.models import PlatformAuditEntry


@admin.register(PlatformAuditEntry)
class PlatformAuditEntryAdmin(admin.ModelAdmin):
    """Insert-only log: nothing is added, changed or deleted here."""

    list_display = ["at", "actor", "action", "tenant_slug"]
    list_filter = ["action"]
    search_fields = ["actor", "tenant_slug"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
