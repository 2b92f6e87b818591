"""Stock: levels per storefront with low stock highlighted, the movement ledger with filters, and
the receive, adjust, count and transfer forms (several lines each; sent once)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from pos_platform.portal.pages import PortalRequest, actor_of, allowed, portal_page, require, scope_of
from pos_platform.portal.pagination import paginate
from pos_platform.portal.submit import submit_once
from tenant_apps.inventory.portal.forms import (
    KIND_LABELS,
    AdjustForm,
    LevelFilterForm,
    MovementFilterForm,
    SignedStockLines,
    StockDocumentForm,
    StockLines,
    TransferForm,
)
from tenant_apps.inventory.selectors import stock_levels, stock_movements
from tenant_apps.inventory.services import StockLine, stock_adjust, stock_count, stock_receive, stock_transfer
from tenant_apps.shop.services import day_bounds
from tenant_apps.storefronts.selectors import storefront_list


def visible_storefronts(request: PortalRequest) -> list[Any]:
    scope = scope_of(request)
    return [s for s in storefront_list(active_only=True) if scope is None or s.pk == scope]


def _chosen(request: PortalRequest) -> uuid.UUID | None:
    """The storefront asked for (``?storefront=``), refused when the member may not see it: read
    from the query itself, since the filter form offers only the member's storefronts and would
    otherwise drop another one without a word."""
    scope = scope_of(request)
    value = request.GET.get("storefront")
    if not value:
        return scope
    try:
        chosen = uuid.UUID(value)
    except ValueError:
        return scope
    require(request, "stock.view", chosen)
    return chosen


@portal_page("stock.view")
@require_GET
def levels_view(request: PortalRequest) -> HttpResponse:
    storefronts = visible_storefronts(request)
    form = LevelFilterForm(request.GET or None, storefronts=storefronts)
    data = form.cleaned_data if form.is_valid() else {}
    levels = stock_levels(storefront_id=_chosen(request), low_only=bool(data.get("low")))
    return render(
        request,
        "inventory/portal/levels.html",
        {
            "form": form,
            "page": paginate(request, levels),
            "operations": [d for d in DOCUMENTS.values() if allowed(request, d.action)],
        },
    )


@portal_page("stock.view")
@require_GET
def movements_view(request: PortalRequest) -> HttpResponse:
    storefronts = visible_storefronts(request)
    form = MovementFilterForm(request.GET or None, storefronts=storefronts)
    data = form.cleaned_data if form.is_valid() else {}
    product = data.get("product")
    movements = stock_movements(
        storefront_id=_chosen(request),
        product_id=product.pk if product else None,
        kind=data.get("kind") or None,
        start=day_bounds(data["date_from"])[0] if data.get("date_from") else None,
        end=day_bounds(data["date_to"])[1] if data.get("date_to") else None,
    )
    return render(
        request,
        "inventory/portal/movements.html",
        {"form": form, "page": paginate(request, movements), "kinds": KIND_LABELS},
    )


@dataclass(frozen=True)
class Document:
    """A kind of stock document: its form, permission, service and words."""

    kind: str
    action: str
    title: Any
    button: Any
    done: Any
    form: type[StockDocumentForm]
    lines: Any
    book: Callable[[dict[str, Any], dict[str, Any]], Any]


def _receive(data: dict[str, Any], common: dict[str, Any]) -> Any:
    return stock_receive(storefront_id=uuid.UUID(data["storefront"]), **common)


def _adjust(data: dict[str, Any], common: dict[str, Any]) -> Any:
    return stock_adjust(storefront_id=uuid.UUID(data["storefront"]), reason=data["reason"], **common)


def _count(data: dict[str, Any], common: dict[str, Any]) -> Any:
    return stock_count(storefront_id=uuid.UUID(data["storefront"]), **common)


def _transfer(data: dict[str, Any], common: dict[str, Any]) -> Any:
    return stock_transfer(
        from_storefront_id=uuid.UUID(data["storefront"]),
        to_storefront_id=uuid.UUID(data["to_storefront"]),
        **common,
    )


DOCUMENTS = {
    "receive": Document(
        "receive",
        "stock.receive",
        gettext_lazy("Receive stock"),
        gettext_lazy("Receive"),
        gettext_lazy("Received %(n)s lines at %(storefront)s."),
        StockDocumentForm,
        StockLines,
        _receive,
    ),
    "adjust": Document(
        "adjust",
        "stock.adjust",
        gettext_lazy("Adjust stock"),
        gettext_lazy("Adjust"),
        gettext_lazy("Adjusted %(n)s lines at %(storefront)s."),
        AdjustForm,
        SignedStockLines,
        _adjust,
    ),
    "count": Document(
        "count",
        "stock.count",
        gettext_lazy("Count stock"),
        gettext_lazy("Record the count"),
        gettext_lazy("Counted %(n)s lines at %(storefront)s; differences are booked."),
        StockDocumentForm,
        StockLines,
        _count,
    ),
    "transfer": Document(
        "transfer",
        "stock.transfer",
        gettext_lazy("Transfer stock"),
        gettext_lazy("Transfer"),
        gettext_lazy("Transferred %(n)s lines from %(storefront)s."),
        TransferForm,
        StockLines,
        _transfer,
    ),
}


def _document_view(kind: str) -> Callable[..., Any]:
    document = DOCUMENTS[kind]

    @portal_page(document.action)
    @require_http_methods(["GET", "POST"])
    def view(request: PortalRequest) -> HttpResponse:
        storefronts = visible_storefronts(request)
        extra = {"targets": storefront_list(active_only=True)} if kind == "transfer" else {}
        data = request.POST if request.method == "POST" else None
        initial = {"storefront": request.GET.get("storefront", "")}
        form = document.form(data, storefronts=storefronts, request=request, initial=initial, **extra)
        lines = document.lines(data, prefix="lines")
        if request.method == "POST" and form.is_valid() and lines.is_valid():
            storefront_id = uuid.UUID(form.cleaned_data["storefront"])
            require(request, document.action, storefront_id)
            chosen = lines.lines()
            storefront = next(s for s in storefronts if s.pk == storefront_id)

            def run() -> str:
                document.book(
                    form.cleaned_data,
                    {
                        "lines": [StockLine(product_id=p.pk, quantity=q) for p, q in chosen],
                        "actor": actor_of(request),
                        "note": form.cleaned_data.get("note") or "",
                    },
                )
                return f"/portal/stock?storefront={storefront_id}"

            response = submit_once(
                request,
                form,
                run,
                done=document.done % {"n": len(chosen), "storefront": storefront.code},
                again=_("This was already recorded; nothing was booked twice."),
                again_level=messages.INFO,
            )
            if response is not None:
                return response
        return render(
            request,
            "inventory/portal/document.html",
            {"document": document, "form": form, "lines": lines},
            status=400 if form.is_bound else 200,
        )

    view.__name__ = f"{kind}_view"
    return view


receive_view = _document_view("receive")
adjust_view = _document_view("adjust")
count_view = _document_view("count")
transfer_view = _document_view("transfer")
