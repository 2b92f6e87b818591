"""Shifts under /portal/shifts: open one with a float, cash in and out, close with the counted
amounts per payment method against what the drawer should hold, the list with differences
highlighted, and a printable report. The shift services and the API's rule
(:func:`~tenant_apps.shifts.selectors.shift_actionable`): a cashier acts on their own shifts, a
supervisor on those of their storefronts."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

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
from pos_platform.portal.submit import submit_once
from shared_apps.accounts.selectors import people_names
from tenant_apps.inventory.portal.forms import storefront_choices
from tenant_apps.inventory.portal.views import visible_storefronts
from tenant_apps.sales.selectors import payment_method_list
from tenant_apps.shifts.models import Shift
from tenant_apps.shifts.portal.forms import CashMovementForm, ShiftCloseForm, ShiftFilterForm, ShiftOpenForm
from tenant_apps.shifts.selectors import shift_actionable, shift_list
from tenant_apps.shifts.services import cash_movement_record, shift_close, shift_expected, shift_open

ZERO = Decimal(0)


def difference_of(shift: Shift) -> Decimal | None:
    """The closed shift's total difference, counted minus expected (None while open)."""
    if shift.closed_at is None:
        return None
    return sum((c.difference for c in shift.counts.all() if c.difference is not None), ZERO)


@portal_page("shift.operate")
@require_GET
def shifts_view(request: PortalRequest) -> HttpResponse:
    form = ShiftFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    # A cashier sees their own shifts; a supervisor those of their storefronts (as the API).
    cashier_id = None if allowed(request, "shift.view") else request.user.pk
    shifts = shift_list(
        storefront_id=scope_of(request), cashier_id=cashier_id, open_only=bool(data.get("open"))
    )
    if data.get("variances"):
        shifts = shifts.filter(counts__difference__isnull=False).exclude(counts__difference=0).distinct()
    page = paginate(request, shifts)
    names = people_names(user_ids=[s.cashier_id for s in page.items])
    rows = [
        {"shift": s, "cashier": names.get(str(s.cashier_id), ""), "difference": difference_of(s)}
        for s in page.items
    ]
    return render(request, "shifts/portal/shifts.html", {"form": form, "page": page, "rows": rows})


@portal_page("shift.operate")
@require_http_methods(["GET", "POST"])
def shift_open_view(request: PortalRequest) -> HttpResponse:
    storefronts = storefront_choices(visible_storefronts(request))
    form = ShiftOpenForm(request.POST or None, storefronts=storefronts, request=request)
    if request.method == "POST" and form.is_valid():
        storefront_id = uuid.UUID(form.cleaned_data["storefront"])
        require(request, "shift.operate", storefront_id)

        def run() -> str:
            shift = shift_open(
                storefront_id=storefront_id,
                cashier_id=request.user.pk,
                opening_float=form.cleaned_data["opening_float"],
                actor=actor_of(request),
            )
            return f"/portal/shifts/{shift.pk}"

        response = submit_once(request, form, run, done=_("Your shift is open."))
        if response is not None:
            return response
    return render(request, "shifts/portal/open.html", {"form": form}, status=400 if form.is_bound else 200)


def _visible_shift(request: PortalRequest, shift_id: uuid.UUID) -> Shift | None:
    shift = shift_list().filter(pk=shift_id).first()
    if shift is None or not shift_actionable(
        membership=membership_of(request), user_id=request.user.pk, shift=shift
    ):
        return None
    return shift


def _methods() -> list[tuple[str, str, str]]:
    return [
        (m.code, m.name, m.kind)
        for m in payment_method_list().filter(is_active=True).order_by("position", "code")
    ]


def _shift_context(shift: Shift) -> dict[str, Any]:
    names = people_names(user_ids=[shift.cashier_id, shift.closed_by_id])
    method_names = {m.code: m.name for m in payment_method_list()}
    expected = [
        {"code": code, "name": method_names.get(code, code), "kind": kind, "amount": amount}
        for code, (kind, amount) in shift_expected(shift).items()
    ]
    counts = [
        {"count": c, "name": method_names.get(c.method_code, c.method_code)}
        for c in sorted(shift.counts.all(), key=lambda c: c.method_code)
    ]
    return {
        "shift": shift,
        "cashier": names.get(str(shift.cashier_id), ""),
        "closed_by": names.get(str(shift.closed_by_id), ""),
        "expected": expected,
        "counts": counts,
        "difference": difference_of(shift),
        "movements": list(shift.cash_movements.order_by("occurred_at")),
    }


@portal_page("shift.operate")
@require_http_methods(["GET", "POST"])
def shift_view(request: PortalRequest, shift_id: uuid.UUID) -> HttpResponse:
    """The shift, and the cash in / out form while it is open (it posts here)."""
    shift = _visible_shift(request, shift_id)
    if shift is None:
        return not_found(request, _("No such shift."))
    form = CashMovementForm(request.POST or None, request=request) if shift.closed_at is None else None
    if request.method == "POST" and form is not None and form.is_valid():

        def run() -> str:
            cash_movement_record(
                shift_id=shift.pk,
                kind=form.cleaned_data["kind"],
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
                actor=actor_of(request),
            )
            return f"/portal/shifts/{shift.pk}"

        response = submit_once(request, form, run, done=_("Cash movement recorded."))
        if response is not None:
            return response
    elif request.method == "POST":
        return redirect(f"/portal/shifts/{shift.pk}")
    context = _shift_context(shift) | {"form": form}
    return render(
        request,
        "shifts/portal/shift.html",
        context,
        status=400 if form is not None and form.is_bound else 200,
    )


@portal_page("shift.operate")
@require_http_methods(["GET", "POST"])
def shift_close_view(request: PortalRequest, shift_id: uuid.UUID) -> HttpResponse:
    shift = _visible_shift(request, shift_id)
    if shift is None:
        return not_found(request, _("No such shift."))
    if shift.closed_at is not None:
        return redirect(f"/portal/shifts/{shift.pk}")
    form = ShiftCloseForm(request.POST or None, methods=_methods(), request=request)
    if request.method == "POST" and form.is_valid():

        def run() -> str:
            shift_close(
                shift_id=shift.pk,
                counted=form.counted(),
                actor=actor_of(request),
                note=form.cleaned_data["note"],
            )
            return f"/portal/shifts/{shift.pk}"

        response = submit_once(request, form, run, done=_("The shift is closed."))
        if response is not None:
            return response
    context = _shift_context(shift) | {"form": form}
    return render(request, "shifts/portal/close.html", context, status=400 if form.is_bound else 200)


@portal_page("shift.operate")
@require_GET
def shift_report_view(request: PortalRequest, shift_id: uuid.UUID) -> HttpResponse:
    shift = _visible_shift(request, shift_id)
    if shift is None:
        return not_found(request, _("No such shift."))
    return render(request, "shifts/portal/report.html", _shift_context(shift))
