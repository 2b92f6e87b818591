from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shared_apps.tenants.models import Domain, Tenant


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    """Read-only: tenants are created, suspended and deleted with the `tenant` CLI (audited)."""

    list_display = ["slug", "name", "status", "currency", "timezone", "created_at"]
    list_filter = ["status"]
    search_fields = ["slug", "name"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Domain)
class DomainAdmin(TenantAdmin):
    list_display = ["domain", "tenant", "is_primary"]
    list_filter = ["is_primary"]
    search_fields = ["domain", "tenant__slug"]
