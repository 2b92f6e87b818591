"""Products: the list with search and filters, create and edit, prices with their history and
storefront overrides, CSV import and export. Same services, selectors and ``can()`` as the API."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pos_platform.kernel.errors import ApplicationError
from pos_platform.portal.errors import error_text
from pos_platform.portal.forms import bool_choice, show_error
from pos_platform.portal.pages import PortalRequest, actor_of, allowed, not_found, portal_page
from pos_platform.portal.pagination import paginate
from tenant_apps.catalog.errors import ImportRefused
from tenant_apps.catalog.imports import export_rows, product_csv_bytes, product_import
from tenant_apps.catalog.portal.forms import ImportForm, PriceForm, ProductFilterForm, ProductForm
from tenant_apps.catalog.selectors import price_history, product_categories, product_get, product_list
from tenant_apps.catalog.services import price_set, product_create, product_update
from tenant_apps.inventory.selectors import stock_levels
from tenant_apps.storefronts.selectors import storefront_list
from tenant_apps.taxes.selectors import tax_category_list


@portal_page("catalog.view")
@require_GET
def product_list_view(request: PortalRequest) -> HttpResponse:
    form = ProductFilterForm(request.GET or None, categories=product_categories())
    filters = form.cleaned_data if form.is_valid() else {}
    products = product_list(
        search=(filters.get("q") or "").strip(),
        active=bool_choice(filters.get("active")),
        category=filters.get("category") or "",
        low_stock=bool(filters.get("low")),
    ).select_related("tax_category")
    page = paginate(request, products)
    context = {"form": form, "page": page, "can_manage": allowed(request, "catalog.manage")}
    if request.htmx and request.htmx.target == "product-results":
        return render(request, "catalog/portal/_product_results.html", context)
    return render(request, "catalog/portal/products.html", context)


@portal_page("catalog.view")
@require_GET
def product_suggest_view(request: PortalRequest) -> HttpResponse:
    """``<option>``s for the product inputs' datalist (typed SKU, barcode or name)."""
    # The typed text arrives under the input's own name (a line's "lines-2-product").
    q = next((str(v) for _name, v in request.GET.items() if str(v).strip()), "").strip()[:64]
    products = product_list(search=q, active=True)[:12] if q else []
    return render(request, "catalog/portal/_product_options.html", {"products": products})


@portal_page("catalog.manage")
@require_http_methods(["GET", "POST"])
def product_new_view(request: PortalRequest) -> HttpResponse:
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            product = product_create(actor=actor_of(request), **form.service_arguments())
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Product %(sku)s created.") % {"sku": product.sku})
            return redirect("portal-product", product_id=product.pk)
    status = 400 if form.is_bound else 200
    return render(request, "catalog/portal/product_form.html", {"form": form, "product": None}, status=status)


@portal_page("catalog.view")
@require_GET
def product_detail_view(request: PortalRequest, product_id: uuid.UUID) -> HttpResponse:
    product = product_get(product_id=product_id)
    if product is None:
        return not_found(request, _("No such product."))
    storefronts = {s.pk: s for s in storefront_list()}
    now = timezone.now()
    history = [
        {
            "row": row,
            "storefront": storefronts.get(row.storefront_id) if row.storefront_id else None,
            "future": row.effective_from > now,
        }
        for row in price_history(product_id=product_id).order_by("-effective_from", "storefront_id")[:100]
    ]
    return render(
        request,
        "catalog/portal/product.html",
        {
            "product": product,
            "tax_category": next((c for c in tax_category_list() if c.pk == product.tax_category_id), None),
            "history": history,
            "levels": stock_levels(product_id=product_id) if product.track_stock else [],
            "can_manage": allowed(request, "catalog.manage"),
            "price_form": PriceForm(),
        },
    )


@portal_page("catalog.manage")
@require_http_methods(["GET", "POST"])
def product_edit_view(request: PortalRequest, product_id: uuid.UUID) -> HttpResponse:
    product = product_get(product_id=product_id)
    if product is None:
        return not_found(request, _("No such product."))
    initial = {
        "name": product.name,
        "barcode": product.barcode,
        "category": product.category,
        "unit": product.unit,
        "tax_category": str(product.tax_category_id or ""),
        "reorder_level": product.reorder_level,
        "track_stock": product.track_stock,
        "is_active": product.is_active,
    }
    form = ProductForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            product_update(product_id=product_id, actor=actor_of(request), **form.service_arguments())
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("Product %(sku)s saved.") % {"sku": product.sku})
            return redirect("portal-product", product_id=product_id)
    status = 400 if form.is_bound else 200
    return render(
        request, "catalog/portal/product_form.html", {"form": form, "product": product}, status=status
    )


@portal_page("catalog.manage")
@require_http_methods(["GET", "POST"])
def product_price_view(request: PortalRequest, product_id: uuid.UUID) -> HttpResponse:
    product = product_get(product_id=product_id)
    if product is None:
        return not_found(request, _("No such product."))
    form = PriceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        effective: dt.datetime | None = data.get("effective_from")
        try:
            price_set(
                product_id=product_id,
                price=data.get("price"),
                storefront_id=uuid.UUID(data["storefront"]) if data.get("storefront") else None,
                effective_from=effective,
                actor=actor_of(request),
            )
        except ApplicationError as exc:
            show_error(form, exc)
        else:
            messages.success(request, _("New price saved for %(sku)s.") % {"sku": product.sku})
            return redirect("portal-product", product_id=product_id)
    status = 400 if form.is_bound else 200
    return render(
        request, "catalog/portal/price_form.html", {"form": form, "product": product}, status=status
    )


@portal_page("catalog.manage")
@require_http_methods(["GET", "POST"])
def product_import_view(request: PortalRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = product_import(data=form.cleaned_data["file"].read(), actor=actor_of(request))
            except ImportRefused as exc:
                rows = [
                    {**row, "message": error_text(error) if error is not None else _(row["message"])}
                    for row, error in zip(exc.details["rows"], exc.row_errors, strict=False)
                ]
                context["refused"] = {**exc.details, "rows": rows}
            except ApplicationError as exc:
                show_error(form, exc)
            else:
                messages.success(
                    request,
                    _(
                        "Imported %(rows)s rows: %(created)s new products, %(updated)s changed "
                        "(%(prices)s new prices), %(unchanged)s unchanged."
                    )
                    % {
                        "rows": result.rows,
                        "created": result.created,
                        "updated": result.updated,
                        "prices": result.prices_changed,
                        "unchanged": result.unchanged,
                    },
                )
                return redirect("portal-products")
    return render(request, "catalog/portal/import.html", context, status=status)


@portal_page("catalog.view")
@require_GET
def product_export_view(request: PortalRequest) -> StreamingHttpResponse:
    response = StreamingHttpResponse(product_csv_bytes(export_rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="products-{timezone.localdate()}.csv"'
    return response
