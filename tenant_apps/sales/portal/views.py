"""Sales: the list with filters and totals for the filter, a sale's detail (lines, taxes,
payments, events, conflicts), its printable receipt, void and partial refund, and an online sale
from the back office. Same selectors, services and rules (``can()``, storefront scope) as the API;
writes are sent once (``pos_platform.portal.once``)."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pos_platform.portal import formatting
from pos_platform.portal.pages import (
    PortalRequest,
    actor_of,
    allowed,
    membership_of,
    not_found,
    portal_page,
    require,
    scope_of,
)
from pos_platform.portal.pagination import paginate
from pos_platform.portal.periods import period_of
from pos_platform.portal.submit import submit_once
from shared_apps.accounts.selectors import member_choices, people_names
from tenant_apps.inventory.portal.views import visible_storefronts
from tenant_apps.sales.models import Sale
from tenant_apps.sales.portal.forms import (
    STATUS_LABELS,
    Payments,
    RefundForm,
    SaleFilterForm,
    SaleForm,
    SaleLines,
    VoidForm,
)
from tenant_apps.sales.selectors import payment_method_list, sale_get, sale_list, sale_status_of, sale_totals
from tenant_apps.sales.services import (
    PaymentInput,
    RefundLineInput,
    SaleLineInput,
    sale_record,
    sale_refund,
    sale_void,
)
from tenant_apps.shop.services import day_bounds, shop_settings_get
from tenant_apps.storefronts.selectors import storefront_list

if TYPE_CHECKING:
    from tenant_apps.sales.selectors import SaleWithStatus


def terminal_choices() -> list[tuple[str, str]]:
    """(id, label) of the shop's terminals, from the app that owns them
    (``settings.POS_PORTAL_TERMINAL_CHOICES``, a dotted path)."""
    path = getattr(settings, "POS_PORTAL_TERMINAL_CHOICES", "")
    return list(import_string(path)()) if path else []


def _uuid(value: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if value else None
    except ValueError:
        return None


@portal_page("sale.view")
@require_GET
def sales_list_view(request: PortalRequest) -> HttpResponse:
    storefronts = visible_storefronts(request)
    scope = scope_of(request)
    terminals = terminal_choices()
    methods = list(payment_method_list())
    form = SaleFilterForm(
        request.GET or None,
        storefronts=storefronts,
        cashiers=member_choices(tenant_id=request.tenant.pk, storefront_id=scope),
        terminals=terminals,
        methods=methods,
    )
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("date_from") or data.get("date_to"):
        given: list[dt.date] = [day for day in (data.get("date_from"), data.get("date_to")) if day]
        start_day, end_day = min(given), max(given)
        period_key = "custom"
    else:
        period = period_of(request, presets=("today", "yesterday", "7d", "30d", "month"))
        start_day, end_day, period_key = period.start, period.end, period.key
    # From the query itself: the form offers only the member's storefronts, and would drop
    # another one without a word instead of refusing it.
    storefront_id = _uuid(request.GET.get("storefront")) or scope
    if storefront_id is not None:
        require(request, "sale.view", storefront_id)
    terminal = data.get("terminal") or ""
    sales = sale_list(
        storefront_id=storefront_id,
        cashier_id=_uuid(data.get("cashier")),
        start=day_bounds(start_day)[0],
        end=day_bounds(end_day)[1],
        terminal_id=_uuid(terminal),
        status=data.get("status") or None,
        payment_method=data.get("method") or None,
    )
    if terminal == "online":
        sales = sales.filter(origin=Sale.Origin.ONLINE)
    page = paginate(request, sales)
    rows = []
    for sale in page.items:
        status, refunded = sale_status_of(sale)
        rows.append(
            {"sale": sale, "status": status, "status_label": STATUS_LABELS[status], "refunded": refunded}
        )
    names = people_names(user_ids=[r["sale"].cashier_id for r in rows])
    return render(
        request,
        "sales/portal/sales.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "names": {k: v for k, v in names.items()},
            "totals": sale_totals(sales),
            "start": start_day,
            "end": end_day,
            "period_key": period_key,
            "presets": [
                ("today", _("Today")),
                ("yesterday", _("Yesterday")),
                ("7d", _("7 days")),
                ("30d", _("30 days")),
                ("month", _("This month")),
            ],
            "storefront_codes": {s.pk: s.code for s in storefront_list()},
            "terminal_labels": dict(terminals),
            "can_sell": allowed(request, "sale.create"),
        },
    )


def _visible_sale(request: PortalRequest, sale_id: uuid.UUID, action: str) -> SaleWithStatus | None:
    """The sale, or None for an unknown one or one of a storefront the member may not see (the
    same 404 either way: no existence oracle)."""
    sale = sale_get(sale_id=sale_id)
    if sale is None or not allowed(request, action, sale.storefront_id):
        return None
    return sale


def _sale_context(request: PortalRequest, sale: SaleWithStatus) -> dict[str, Any]:
    status, refunded = sale_status_of(sale)
    lines = list(sale.lines.all())
    events = list(sale.events.all())
    refunded_by_line: dict[uuid.UUID, Decimal] = {}
    for event in events:
        for refund in event.refund_lines.all():
            refunded_by_line[refund.sale_line_id] = (
                refunded_by_line.get(refund.sale_line_id, Decimal(0)) + refund.quantity
            )
    line_rows = []
    for line in lines:
        left = line.quantity - refunded_by_line.get(line.pk, Decimal(0))
        line_rows.append(
            {
                "line": line,
                "refunded": refunded_by_line.get(line.pk, Decimal(0)),
                "refundable": left,
                "refundable_text": formatting.number(left),
            }
        )
    names = people_names(user_ids=[sale.cashier_id, *[e.actor_id for e in events]])
    storefront = next((s for s in storefront_list() if s.pk == sale.storefront_id), None)
    terminal = dict(terminal_choices()).get(str(sale.terminal_id)) if sale.terminal_id else None
    return {
        "sale": sale,
        "status": status,
        "status_label": STATUS_LABELS[status],
        "refunded": refunded,
        "lines": line_rows,
        "payments": list(sale.payments.all()),
        "events": [
            {"event": e, "actor": names.get(str(e.actor_id), "") if e.actor_id else ""} for e in events
        ],
        "cashier": names.get(str(sale.cashier_id), str(sale.cashier_id)),
        "storefront": storefront,
        "terminal": terminal,
        "can_void": status == "completed" and allowed(request, "sale.void", sale.storefront_id),
        "can_refund": status in ("completed", "partially_refunded")
        and allowed(request, "sale.refund", sale.storefront_id),
    }


@portal_page("sale.view")
@require_GET
def sale_detail_view(request: PortalRequest, sale_id: uuid.UUID) -> HttpResponse:
    sale = _visible_sale(request, sale_id, "sale.view")
    if sale is None:
        return not_found(request, _("No such sale."))
    return render(request, "sales/portal/sale.html", _sale_context(request, sale))


@portal_page("sale.view")
@require_GET
def sale_receipt_view(request: PortalRequest, sale_id: uuid.UUID) -> HttpResponse:
    sale = _visible_sale(request, sale_id, "sale.view")
    if sale is None:
        return not_found(request, _("No such sale."))
    context = _sale_context(request, sale)
    context["paper"] = "58" if request.GET.get("paper") == "58" else "80"
    context["shop_settings"] = shop_settings_get()
    return render(request, "sales/portal/receipt.html", context)


@portal_page("sale.void")
@require_http_methods(["GET", "POST"])
def sale_void_view(request: PortalRequest, sale_id: uuid.UUID) -> HttpResponse:
    sale = _visible_sale(request, sale_id, "sale.void")
    if sale is None:
        return not_found(request, _("No such sale."))
    form = VoidForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():

        def run() -> str:
            sale_void(sale_id=sale.pk, actor=actor_of(request), reason=form.cleaned_data["reason"])
            return f"/portal/sales/{sale.pk}"

        response = submit_once(request, form, run, done=_("The sale is voided; its items are back in stock."))
        if response is not None:
            return response
    context = _sale_context(request, sale)
    context["form"] = form
    return render(request, "sales/portal/void.html", context, status=400 if form.is_bound else 200)


@portal_page("sale.refund")
@require_http_methods(["GET", "POST"])
def sale_refund_view(request: PortalRequest, sale_id: uuid.UUID) -> HttpResponse:
    sale = _visible_sale(request, sale_id, "sale.refund")
    if sale is None:
        return not_found(request, _("No such sale."))
    context = _sale_context(request, sale)
    methods = [m for m in payment_method_list() if m.is_active]
    form = RefundForm(
        request.POST or None,
        request=request,
        lines=context["lines"],
        methods=methods,
        initial={"payment_method": "cash"},
    )
    if request.method == "POST" and form.is_valid():

        def run() -> str:
            sale_refund(
                sale_id=sale.pk,
                lines=[RefundLineInput(line_id, quantity) for line_id, quantity in form.refund_lines()],
                actor=actor_of(request),
                reason=form.cleaned_data["reason"],
                restock=form.cleaned_data["restock"],
                payment_method=form.cleaned_data["payment_method"],
            )
            return f"/portal/sales/{sale.pk}"

        response = submit_once(request, form, run, done=_("Refund recorded."))
        if response is not None:
            return response
    context["form"] = form
    return render(request, "sales/portal/refund.html", context, status=400 if form.is_bound else 200)


@portal_page("sale.create")
@require_http_methods(["GET", "POST"])
def sale_new_view(request: PortalRequest) -> HttpResponse:
    storefronts = visible_storefronts(request)
    methods = [m for m in payment_method_list() if m.is_active]
    data = request.POST if request.method == "POST" else None
    form = SaleForm(data, request=request, storefronts=storefronts)
    lines = SaleLines(data, prefix="lines")
    payments = Payments(data, prefix="payments", form_kwargs={"methods": methods})
    if request.method == "POST" and form.is_valid() and lines.is_valid() and payments.is_valid():
        storefront_id = uuid.UUID(form.cleaned_data["storefront"])
        require(request, "sale.create", storefront_id)
        membership = membership_of(request)

        def run() -> str:
            recorded = sale_record(
                storefront_id=storefront_id,
                cashier_id=request.user.pk,
                cashier_membership=membership,
                lines=[
                    SaleLineInput(
                        f.cleaned_data["product"].pk,
                        f.cleaned_data["quantity"],
                        f.cleaned_data.get("discount") or Decimal(0),
                    )
                    for f in lines.forms
                    if f.cleaned_data.get("product")
                ],
                payments=[
                    PaymentInput(
                        f.cleaned_data["method"],
                        f.cleaned_data["amount"],
                        f.cleaned_data.get("provider") or "",
                        f.cleaned_data.get("reference") or "",
                        f.cleaned_data.get("card_last4") or "",
                        f.cleaned_data.get("auth_code") or "",
                    )
                    for f in payments.forms
                    if f.cleaned_data.get("method")
                ],
                sale_discount=form.cleaned_data.get("discount") or Decimal(0),
                note=form.cleaned_data.get("note") or "",
            )
            return f"/portal/sales/{recorded.sale.pk}"

        response = submit_once(
            request,
            form,
            run,
            done=_("Sale recorded."),
            again=_("This sale was already recorded; it was not recorded twice."),
        )
        if response is not None:
            return response
    return render(
        request,
        "sales/portal/sale_new.html",
        {
            "form": form,
            "lines": lines,
            "payments": payments,
            "prices_include_tax": shop_settings_get().prices_include_tax,
        },
        status=400 if form.is_bound else 200,
    )
