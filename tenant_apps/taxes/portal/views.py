"""Taxes under /portal/taxes: categories and their rates with effective dates (add a rate from a
day, end a rate), and a preview of a sale's taxes with the rules in force now. The tax services
and the API's actions (``catalog.view`` to read, ``tax.manage`` to change); the preview prices a
sale with the sale's own pricing (:func:`~tenant_apps.sales.selectors.sale_quote`)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pos_platform.kernel.errors import ApplicationError
from pos_platform.portal.forms import show_error
from pos_platform.portal.pages import PortalRequest, actor_of, allowed, not_found, portal_page
from pos_platform.portal.submit import submit
from tenant_apps.inventory.portal.forms import storefront_choices
from tenant_apps.inventory.portal.views import visible_storefronts
from tenant_apps.sales.selectors import sale_quote
from tenant_apps.shop.services import day_bounds
from tenant_apps.taxes.models import TaxRate
from tenant_apps.taxes.portal.forms import TaxCategoryForm, TaxPreviewForm, TaxRateEndForm, TaxRateForm
from tenant_apps.taxes.selectors import tax_category_list, tax_rate_list
from tenant_apps.taxes.services import tax_category_create, tax_rate_add, tax_rate_end


def _categories() -> list[tuple[str, str]]:
    return [(str(c.pk), f"{c.code} · {c.name}") for c in tax_category_list().order_by("code")]


def _preview(request: PortalRequest) -> tuple[TaxPreviewForm, Any]:
    storefronts = storefront_choices(visible_storefronts(request))
    form = TaxPreviewForm(request.GET if "product" in request.GET else None, storefronts=storefronts)
    quote = None
    if form.is_valid():
        try:
            quote = sale_quote(
                storefront_id=uuid.UUID(form.cleaned_data["storefront"]),
                lines=[(form.cleaned_data["product"].pk, form.cleaned_data["quantity"])],
            )
        except ApplicationError as exc:
            show_error(form, exc)
    return form, quote


@portal_page("catalog.view")
@require_GET
def taxes_view(request: PortalRequest) -> HttpResponse:
    now = timezone.now()
    rates = list(tax_rate_list().order_by("category__code", "position", "code", "-effective_from"))
    categories = [
        {
            "category": category,
            "rates": [r for r in rates if r.category_id == category.pk],
        }
        for category in tax_category_list().order_by("code")
    ]
    preview, quote = _preview(request)
    return render(
        request,
        "taxes/portal/taxes.html",
        {
            "categories": categories,
            "now": now,
            "can_manage": allowed(request, "tax.manage"),
            "preview": preview,
            "quote": quote,
        },
    )


@portal_page("tax.manage")
@require_http_methods(["GET", "POST"])
def tax_category_new_view(request: PortalRequest) -> HttpResponse:
    form = TaxCategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():

        def run() -> str:
            tax_category_create(
                code=form.cleaned_data["code"], name=form.cleaned_data["name"], actor=actor_of(request)
            )
            return "/portal/taxes"

        response = submit(request, form, run, done=_("Tax category added."))
        if response is not None:
            return response
    return render(
        request,
        "taxes/portal/form.html",
        {"form": form, "title": _("Add a tax category"), "action": "/portal/taxes/categories/new"},
        status=400 if form.is_bound else 200,
    )


def _start(day: dt.date) -> dt.datetime:
    return day_bounds(day)[0]


@portal_page("tax.manage")
@require_http_methods(["GET", "POST"])
def tax_rate_new_view(request: PortalRequest) -> HttpResponse:
    form = TaxRateForm(
        request.POST or None,
        categories=_categories(),
        initial={"category": request.GET.get("category", ""), "effective_from": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def run() -> str:
            tax_rate_add(
                category_id=uuid.UUID(data["category"]),
                code=data["code"],
                name=data["name"],
                rate=data["rate"],
                compound=data["compound"],
                position=data["position"],
                # Today's date starts now: a rate does not apply to sales already made today.
                effective_from=max(_start(data["effective_from"]), timezone.now()),
                actor=actor_of(request),
            )
            return "/portal/taxes"

        response = submit(request, form, run, done=_("Tax rate added."))
        if response is not None:
            return response
    return render(
        request,
        "taxes/portal/form.html",
        {"form": form, "title": _("Add a tax rate"), "action": "/portal/taxes/rates/new"},
        status=400 if form.is_bound else 200,
    )


@portal_page("tax.manage")
@require_http_methods(["GET", "POST"])
def tax_rate_end_view(request: PortalRequest, rate_id: uuid.UUID) -> HttpResponse:
    rate = TaxRate.objects.select_related("category").filter(pk=rate_id).first()
    if rate is None:
        return not_found(request, _("No such tax rate."))
    form = TaxRateEndForm(request.POST or None, initial={"effective_to": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        # The last day is a whole day: the rate stops at its end (today's: from now on).
        end = day_bounds(form.cleaned_data["effective_to"])[1]
        if form.cleaned_data["effective_to"] <= timezone.localdate():
            end = timezone.now()

        def run() -> str:
            tax_rate_end(rate_id=rate.pk, actor=actor_of(request), effective_to=end)
            return "/portal/taxes"

        response = submit(request, form, run, done=_("The rate is ended."))
        if response is not None:
            return response
    return render(
        request,
        "taxes/portal/end.html",
        {"form": form, "rate": rate},
        status=400 if form.is_bound else 200,
    )
