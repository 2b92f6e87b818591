"""Sync conflicts and terminals under /portal/: the same selectors, services and ``can()`` rule as
the sync admin API (``sync/apis.py``)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from pos_platform.portal import formatting
from pos_platform.portal.pages import (
    PortalRequest,
    actor_of,
    allowed,
    not_found,
    portal_page,
    require,
    scope_of,
)
from pos_platform.portal.pagination import paginate
from pos_platform.portal.submit import submit_once
from shared_apps.accounts.selectors import people_names
from sync import services
from sync.models import Conflict
from sync.portal.forms import (
    KIND_LABELS,
    RESOLUTION_LABELS,
    STATUS_LABELS,
    AcceptDayForm,
    ConflictFilterForm,
    ConflictResolveForm,
)
from sync.selectors import conflict_counts, conflict_list, terminal_list
from tenant_apps.catalog.selectors import product_get
from tenant_apps.inventory.portal.forms import storefront_choices
from tenant_apps.inventory.portal.views import visible_storefronts
from tenant_apps.inventory.selectors import stock_levels
from tenant_apps.sales.selectors import sale_get
from tenant_apps.shop.services import business_date, day_bounds


def open_conflicts_badge(request: PortalRequest) -> int | None:
    """The menu's count beside "Sync conflicts": open conflicts the member may see."""
    return sum(conflict_counts(storefront_id=scope_of(request)).values()) or None


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


def _terminal_choices(request: PortalRequest) -> list[tuple[str, str]]:
    return [
        (str(t.pk), f"{t.storefront.code}-{t.code} · {t.name}")
        for t in terminal_list(storefront_id=scope_of(request))
    ]


@portal_page("conflict.view")
@require_GET
def conflicts_view(request: PortalRequest) -> HttpResponse:
    storefronts = storefront_choices(visible_storefronts(request))
    form = ConflictFilterForm(
        request.GET or None, storefronts=storefronts, terminals=_terminal_choices(request)
    )
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or Conflict.Status.OPEN
    storefront_id = _uuid(data.get("storefront"))
    if storefront_id is not None:
        require(request, "conflict.view", storefront_id)
    conflicts = conflict_list(
        scope=scope_of(request),
        status=None if status == "all" else status,
        kind=data.get("kind") or None,
        storefront_id=storefront_id,
        terminal_id=_uuid(data.get("terminal")),
        since=day_bounds(data["date_from"])[0] if data.get("date_from") else None,
        until=day_bounds(data["date_to"])[1] if data.get("date_to") else None,
    )
    counts = conflict_counts(storefront_id=storefront_id or scope_of(request))
    return render(
        request,
        "sync/portal/conflicts.html",
        {
            "form": form,
            "page": paginate(request, conflicts),
            "kinds": KIND_LABELS,
            "statuses": STATUS_LABELS,
            "counts": [(kind, KIND_LABELS.get(kind, kind), n) for kind, n in sorted(counts.items())],
            "can_resolve": allowed(request, "conflict.resolve"),
            "price_mismatches": counts.get(Conflict.Kind.PRICE_MISMATCH, 0),
        },
    )


_FIELD_LABELS: dict[str, Any] = {
    "subtotal": gettext_lazy("Subtotal"),
    "discount_total": gettext_lazy("Discounts"),
    "tax_total": gettext_lazy("Tax"),
    "total": gettext_lazy("Total"),
}


def compared(conflict: Conflict) -> tuple[list[tuple[Any, str, str]], list[tuple[Any, str]]]:
    """What the terminal sent against what the server computed (label, sent, computed), and the
    conflict's other facts (label, value), from its stored details."""
    details = conflict.details or {}
    rows: list[tuple[Any, str, str]] = []
    facts: list[tuple[Any, str]] = []
    if conflict.kind == Conflict.Kind.PRICE_MISMATCH:
        rows.append(
            (
                _("Unit price"),
                str(details.get("client_unit_price", "")),
                str(details.get("server_unit_price", "")),
            )
        )
    elif conflict.kind == Conflict.Kind.TOTAL_MISMATCH:
        for name, label in _FIELD_LABELS.items():
            pair = details.get(name)
            if isinstance(pair, dict):
                rows.append((label, str(pair.get("client", "")), str(pair.get("server", ""))))
    elif conflict.kind == Conflict.Kind.OVERSOLD:
        facts.append((_("Stock level after the sale"), formatting.number(details.get("level"))))
    elif conflict.kind == Conflict.Kind.RECEIPT_CLASH:
        facts.append((_("Receipt number"), str(details.get("receipt_number", ""))))
    shown = {
        "kind",
        "sale_id",
        "storefront_id",
        "product_id",
        "line",
        "client_unit_price",
        "server_unit_price",
    }
    shown |= set(_FIELD_LABELS) | {"level", "receipt_number"}
    facts += [(name.replace("_", " "), str(value)) for name, value in details.items() if name not in shown]
    return rows, facts


def _visible_conflict(request: PortalRequest, conflict_id: uuid.UUID, action: str) -> Conflict | None:
    """The conflict, or None for an unknown one or one of another storefront (the API's 404)."""
    conflict = conflict_list().filter(pk=conflict_id).first()
    if conflict is None or not allowed(request, action, conflict.storefront_id):
        return None
    return conflict


@portal_page("conflict.view")
@require_http_methods(["GET", "POST"])
def conflict_view(request: PortalRequest, conflict_id: uuid.UUID) -> HttpResponse:
    conflict = _visible_conflict(request, conflict_id, "conflict.view")
    if conflict is None:
        return not_found(request, _("No such conflict."))
    can_resolve = conflict.status == Conflict.Status.OPEN and allowed(
        request, "conflict.resolve", conflict.storefront_id
    )
    form = None
    if can_resolve:
        form = ConflictResolveForm(
            request.POST if request.method == "POST" else None,
            request=request,
            has_product=conflict.product_id is not None,
        )
    if request.method == "POST":
        if form is None:
            require(request, "conflict.resolve", conflict.storefront_id)
            return redirect(f"/portal/conflicts/{conflict.pk}")
        if form.is_valid():

            def run() -> str:
                services.conflict_resolve(
                    conflict_id=conflict.pk,
                    resolution=form.cleaned_data["resolution"],
                    note=form.cleaned_data.get("note") or "",
                    quantity=form.cleaned_data.get("quantity"),
                    actor=actor_of(request),
                )
                return f"/portal/conflicts/{conflict.pk}"

            response = submit_once(request, form, run, done=_("Conflict resolved."))
            if response is not None:
                return response
    sale = sale_get(sale_id=conflict.sale_id) if conflict.sale_id else None
    product = product_get(product_id=conflict.product_id) if conflict.product_id else None
    level = (
        stock_levels(storefront_id=conflict.storefront_id, product_id=product.pk).first() if product else None
    )
    rows, facts = compared(conflict)
    names = people_names(user_ids=[conflict.resolved_by])
    return render(
        request,
        "sync/portal/conflict.html",
        {
            "conflict": conflict,
            "kind": KIND_LABELS.get(conflict.kind, conflict.kind),
            "status": STATUS_LABELS.get(conflict.status, conflict.status),
            "resolution": RESOLUTION_LABELS.get(conflict.resolution, conflict.resolution),
            "resolved_by": names.get(str(conflict.resolved_by), ""),
            "sale": sale,
            "sale_lines": [{"line": line} for line in sale.lines.all()] if sale else [],
            "sale_visible": sale is not None and allowed(request, "sale.view", sale.storefront_id),
            "product": product,
            "level": level,
            "rows": rows,
            "facts": facts,
            "form": form,
        },
        status=400 if form is not None and form.is_bound else 200,
    )


@portal_page("conflict.resolve")
@require_http_methods(["GET", "POST"])
def conflicts_accept_day_view(request: PortalRequest) -> HttpResponse:
    storefronts = storefront_choices(visible_storefronts(request))
    data = request.POST if request.method == "POST" else None
    form = AcceptDayForm(
        data,
        storefronts=storefronts,
        request=request,
        initial={
            "day": request.GET.get("day") or business_date(timezone.now()),
            "storefront": request.GET.get("storefront"),
        },
    )
    if request.method == "POST" and form.is_valid():
        storefront_id = _uuid(form.cleaned_data.get("storefront")) or scope_of(request)
        require(request, "conflict.resolve", storefront_id)
        start, end = day_bounds(form.cleaned_data["day"])
        counted: dict[str, int] = {}

        def run() -> str:
            counted["n"] = services.conflict_accept_all(
                kind=Conflict.Kind.PRICE_MISMATCH,
                since=start,
                until=end,
                storefront_id=storefront_id,
                actor=actor_of(request),
            )
            return "/portal/conflicts?kind=price_mismatch"

        response = submit_once(
            request,
            form,
            run,
            done=lambda: _("Accepted %(n)s price differences.") % {"n": counted["n"]},
            again_level=messages.INFO,
        )
        if response is not None:
            return response
    day = _day_of(form)
    waiting = None
    if day is not None:
        start, end = day_bounds(day)
        waiting = conflict_list(
            scope=scope_of(request),
            status=Conflict.Status.OPEN,
            kind=Conflict.Kind.PRICE_MISMATCH,
            storefront_id=_uuid(_value(form, "storefront")),
            since=start,
            until=end,
        ).count()
    return render(
        request,
        "sync/portal/accept_day.html",
        {"form": form, "waiting": waiting, "day": day},
        status=400 if form.is_bound else 200,
    )


def _value(form: Any, name: str) -> Any:
    return form[name].value()


def _day_of(form: Any) -> dt.date | None:
    value = _value(form, "day")
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None
