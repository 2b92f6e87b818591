"""Forms of the tax pages: a category, a rate from a date, the end of a rate, a preview."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pos_platform.portal.forms import PortalForm, choice_field
from tenant_apps.catalog.portal.forms import ProductCodeField


def _date(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(label=label, widget=forms.DateInput(attrs={"type": "date"}), **kwargs)


class TaxCategoryForm(PortalForm):
    code = forms.CharField(max_length=16, label=_("Code"), help_text=_("Such as STD or EXEMPT."))
    name = forms.CharField(max_length=80, label=_("Name"))


class TaxRateForm(PortalForm):
    category = forms.ChoiceField(label=_("Tax category"))
    code = forms.CharField(max_length=16, label=_("Code"), help_text=_("Such as VAT or NHIL."))
    name = forms.CharField(max_length=80, label=_("Name"))
    rate = forms.DecimalField(
        label=_("Rate (%)"), max_digits=7, decimal_places=4, min_value=Decimal(0), max_value=Decimal(100)
    )
    compound = forms.BooleanField(
        required=False, label=_("Compound: charged on the price plus the other taxes")
    )
    position = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=1000,
        initial=0,
        help_text=_("Taxes are shown in this order."),
    )
    effective_from = _date(
        _("From"),
        help_text=_("The first day it applies. A rate of the same code in force then ends that day."),
    )

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "category").choices = categories
        self.fields["rate"].widget.attrs["inputmode"] = "decimal"


class TaxRateEndForm(PortalForm):
    effective_to = _date(_("Last day"), help_text=_("The rate no longer applies from the next day."))


class TaxPreviewForm(PortalForm):
    storefront = forms.ChoiceField(label=_("Storefront"))
    product = ProductCodeField()
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=14, decimal_places=3, min_value=Decimal("0.001"), initial=1
    )

    def __init__(self, *args: Any, storefronts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "storefront").choices = storefronts
        self.fields["quantity"].widget.attrs["inputmode"] = "decimal"
