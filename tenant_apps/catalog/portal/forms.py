from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pos_platform.portal.forms import PortalForm, choice_field
from tenant_apps.catalog.models import Product
from tenant_apps.catalog.selectors import product_by_code
from tenant_apps.storefronts.selectors import storefront_list
from tenant_apps.taxes.selectors import tax_category_list

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0)}
QUANTITY: dict[str, Any] = {"max_digits": 14, "decimal_places": 3}


class ProductCodeField(forms.CharField):
    """A product by its SKU or barcode (typed, or scanned by a scanner that types)."""

    default_error_messages = {"unknown": _("No product has this SKU or barcode.")}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("label", _("Product (SKU or barcode)"))
        super().__init__(**kwargs)
        # Suggestions while typing (progressive: the server accepts a typed or scanned code alone).
        self.widget.attrs.update(
            {
                "list": "product-codes",
                "autocomplete": "off",
                "autocapitalize": "characters",
                "hx-get": "/portal/products/suggest",
                "hx-trigger": "input changed delay:300ms",
                "hx-target": "#product-codes",
                "hx-swap": "innerHTML",
            }
        )

    def clean(self, value: Any) -> Product | None:
        code = super().clean(value)
        if not code:
            return None
        product = product_by_code(code=code)
        if product is None:
            raise forms.ValidationError(self.error_messages["unknown"], code="unknown")
        return product


def tax_category_choices() -> list[tuple[str, Any]]:
    return [("", _("No tax"))] + [(str(c.pk), f"{c.code} · {c.name}") for c in tax_category_list()]


class ProductFilterForm(PortalForm):
    q = forms.CharField(
        required=False, max_length=200, label=_("Search"), help_text=_("Name, SKU or barcode")
    )
    category = forms.ChoiceField(required=False, label=_("Category"))
    active = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("", _("All")), ("true", _("Active")), ("false", _("Inactive"))],
    )
    low = forms.BooleanField(required=False, label=_("Low stock only"))

    def __init__(self, *args: Any, categories: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "category").choices = [("", _("All"))] + [(c, c) for c in categories]
        self.fields["q"].widget.input_type = "search"


class ProductForm(PortalForm):
    sku = forms.CharField(
        max_length=64, label=_("SKU"), help_text=_("Your own short code; it cannot change later.")
    )
    name = forms.CharField(max_length=200, label=_("Name"))
    price = forms.DecimalField(label=_("Price"), **MONEY)
    tax_category = forms.ChoiceField(required=False, label=_("Tax category"))
    barcode = forms.CharField(max_length=64, required=False, label=_("Barcode"))
    category = forms.CharField(max_length=80, required=False, label=_("Category"))
    unit = forms.CharField(max_length=16, initial="pcs", label=_("Unit"))
    reorder_level = forms.DecimalField(
        label=_("Reorder level"),
        help_text=_("At or below this quantity the product is on the low-stock list."),
        initial=0,
        min_value=Decimal(0),
        max_value=Decimal(100000),
        **QUANTITY,
    )
    track_stock = forms.BooleanField(required=False, initial=True, label=_("Track stock"))
    is_active = forms.BooleanField(required=False, initial=True, label=_("Active (sold)"))

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "tax_category").choices = tax_category_choices()
        for name in ("price", "reorder_level"):
            self.fields[name].widget.attrs["inputmode"] = "decimal"
        if editing:
            # The SKU is the product's identity; the price has its own form and history.
            del self.fields["sku"]
            del self.fields["price"]
        else:
            del self.fields["is_active"]

    def service_arguments(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["tax_category_id"] = data.pop("tax_category") or None
        return data


class PriceForm(PortalForm):
    price = forms.DecimalField(label=_("New price"), required=False, **MONEY)
    storefront = forms.ChoiceField(
        required=False,
        label=_("Where"),
        help_text=_(
            "Leave on “Every storefront” for the base price; a storefront's price overrides it there."
        ),
    )
    effective_from = forms.DateTimeField(
        required=False,
        label=_("From"),
        help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "storefront").choices = [("", _("Every storefront (base price)"))] + [
            (str(s.pk), f"{s.code} · {s.name}") for s in storefront_list()
        ]
        self.fields["price"].widget.attrs["inputmode"] = "decimal"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("price") is None and not data.get("storefront"):
            self.add_error("price", _("Give the new price."))
        return data


class ImportForm(PortalForm):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "UTF-8 CSV with a header line: sku, name, price, barcode, category, unit, tax_category, "
            "track_stock, reorder_level, active."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
