"""The back office's menu: one entry per page a member may open, judged by ``can()``.

An app adds its pages here (``NAV``); an entry whose URL name does not resolve is left out, and
``badge`` names a callable ``(request) -> int | None`` (a dotted path, imported when the menu is
drawn, so that apps above this layer can provide it) whose number is shown beside the entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from shared_apps.accounts.permissions import can


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any
    url_name: str
    # The permission the page needs (None: any member).
    action: str | None
    # Dotted path of a callable (request) -> int | None: a count shown beside the entry.
    badge: str | None = None


NAV: list[NavItem] = [
    NavItem("dashboard", _("Dashboard"), "portal-home", "report.view"),
    NavItem("sale-new", _("New sale"), "portal-sale-new", "sale.create"),
    NavItem("sales", _("Sales"), "portal-sales", "sale.view"),
    NavItem("products", _("Products"), "portal-products", "catalog.view"),
    NavItem("stock", _("Stock"), "portal-stock", "stock.view"),
    NavItem("shifts", _("Shifts"), "portal-shifts", "shift.operate"),
    NavItem("reports", _("Reports"), "portal-reports", "report.view"),
    NavItem(
        "conflicts",
        _("Sync conflicts"),
        "portal-conflicts",
        "conflict.view",
        badge="sync.portal.views.open_conflicts_badge",
    ),
    NavItem("terminals", _("Terminals"), "portal-terminals", "terminal.manage"),
    NavItem("staff", _("Staff"), "portal-staff", "staff.view"),
    NavItem("taxes", _("Taxes"), "portal-taxes", "tax.manage"),
    NavItem("audit", _("Audit log"), "portal-audit", "audit.view"),
    NavItem("settings", _("Settings"), "portal-settings", "settings.manage"),
    NavItem("billing", _("Billing"), "portal-billing", "billing.view"),
    NavItem("welcome", _("Getting started"), "portal-welcome", "settings.manage"),
    NavItem("staff-mfa", _("Staff sign-in"), "portal-staff-mfa", "staff.mfa_reset"),
    NavItem("account", _("Your account"), "portal-account", None),
]


@dataclass(frozen=True)
class NavEntry:
    key: str
    label: Any
    url: str
    current: bool
    badge: int | None


def nav_for(request: HttpRequest) -> list[NavEntry]:
    membership = getattr(request, "membership", None)
    if membership is None:
        return []
    path = request.path
    entries: list[tuple[NavItem, str]] = []
    for item in NAV:
        if item.action is not None and not can(membership, item.action):
            continue
        try:
            entries.append((item, reverse(item.url_name)))
        except NoReverseMatch:
            continue
    # The current page is the entry with the longest URL that starts the path ("/portal/" only
    # for itself).
    current = max(
        (url for _, url in entries if path == url or (url != "/portal/" and path.startswith(url))),
        key=len,
        default=None,
    )
    return [
        NavEntry(
            key=item.key,
            label=item.label,
            url=url,
            current=url == current,
            badge=import_string(item.badge)(request) if item.badge else None,
        )
        for item, url in entries
    ]
