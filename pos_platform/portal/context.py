"""Template context of the back office's pages: the layout to extend (the whole page, or the
fragment an htmx navigation swaps into ``<main>``), the menu, the shop's name and the banners."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.module_loading import import_string

from pos_platform.portal.navigation import nav_for

FULL, FRAGMENT = "portal/base.html", "portal/fragment.html"


def wants_fragment(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    if not htmx:
        return False
    return htmx.target == "main" and not htmx.history_restore_request


def portal(request: HttpRequest) -> dict[str, Any]:
    if not request.path.startswith("/portal/"):
        return {}
    tenant = getattr(request, "tenant", None)
    return {
        "portal_base": FRAGMENT if wants_fragment(request) else FULL,
        "portal_nav": nav_for(request),
        "shop_name": getattr(tenant, "name", "") or "POS",
        "portal_banners": banners(request),
    }


def banners(request: HttpRequest) -> list[dict[str, Any]]:
    """What apps ask of the person above every page (``settings.POS_PORTAL_BANNERS``: callables
    ``(request) -> {"template": ..., ...context} | None``); none before sign-in."""
    if getattr(request, "membership", None) is None:
        return []
    found = (import_string(path)(request) for path in getattr(settings, "POS_PORTAL_BANNERS", []))
    return [banner for banner in found if banner is not None]
