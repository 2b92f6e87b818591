"""Accounts in the platform admin. Memberships, tokens and invitations are read-only here: staff
rules (last owner, role ceilings) live in the services, which the shop's own owners drive."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from shared_apps.accounts.models import ApiToken, Invitation, Membership, User


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(admin.ModelAdmin):
    list_display = ["email", "full_name", "is_active", "is_platform_staff", "date_joined", "last_login"]
    list_filter = ["is_active", "is_platform_staff"]
    search_fields = ["email", "full_name"]
    fields = ["email", "full_name", "is_active", "is_platform_staff", "date_joined", "last_login"]
    readonly_fields = ["email", "is_platform_staff", "date_joined", "last_login"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["user", "tenant", "role", "storefront_id", "expires_at", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__email", "tenant__slug"]
    list_select_related = ["user", "tenant"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = [
        "prefix",
        "user",
        "tenant",
        "name",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    search_fields = ["prefix", "user__email", "tenant__slug"]
    list_select_related = ["user", "tenant"]
    exclude = ["digest"]


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ["membership", "created_at", "expires_at", "used_at"]
    exclude = ["digest"]
