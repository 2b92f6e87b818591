"""Absolute links in messages: to a shop's host or to the platform host."""

from __future__ import annotations

from django.conf import settings

from shared_apps.tenants.models import Domain


def _base(host: str) -> str:
    port = f":{settings.POS_PUBLIC_PORT}" if settings.POS_PUBLIC_PORT else ""
    return f"{settings.POS_PUBLIC_SCHEME}://{host}{port}"


def shop_url(*, tenant_id: int, path: str) -> str:
    """``path`` at the shop's primary host."""
    domain = (
        Domain.objects.filter(tenant_id=tenant_id)
        .order_by("-is_primary", "domain")
        .values_list("domain", flat=True)
        .first()
    )
    return _base(domain or settings.POS_BASE_DOMAIN) + path


def platform_url(path: str) -> str:
    return _base(settings.POS_BASE_DOMAIN) + path
