from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from pos_platform.portal.forms import OnceForm, PortalForm, choice_field
from tenant_apps.catalog.portal.forms import ProductCodeField
from tenant_apps.inventory.models import ADJUST_REASONS, MOVEMENT_KINDS

MAX_LINES = 100

REASON_LABELS = {
    "damaged": _("Damaged"),
    "expired": _("Expired"),
    "lost": _("Lost"),
    "theft": _("Theft"),
    "correction": _("Correction"),
    "other": _("Other"),
}
KIND_LABELS = {
    "sale": _("Sale"),
    "refund": _("Refund"),
    "void": _("Void"),
    "receive": _("Received"),
    "adjust": _("Adjusted"),
    "count": _("Count"),
    "transfer_out": _("Transfer out"),
    "transfer_in": _("Transfer in"),
}


def storefront_choices(storefronts: list[Any]) -> list[tuple[str, str]]:
    return [(str(s.pk), f"{s.code} · {s.name}") for s in storefronts]


class StockLineForm(PortalForm):
    product = ProductCodeField(required=False)
    quantity = forms.DecimalField(
        required=False, label=_("Quantity"), max_digits=14, decimal_places=3, min_value=Decimal(0)
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quantity"].widget.attrs["inputmode"] = "decimal"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("product") and data.get("quantity") is None:
            self.add_error("quantity", _("Give the quantity."))
        if data.get("quantity") is not None and not data.get("product"):
            self.add_error("product", _("Give the product."))
        return data


class BaseLines(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        if not any(form.cleaned_data.get("product") for form in self.forms):
            raise forms.ValidationError(_("Give at least one line."))

    def lines(self) -> list[tuple[Any, Decimal]]:
        return [
            (f.cleaned_data["product"], f.cleaned_data["quantity"])
            for f in self.forms
            if f.cleaned_data.get("product")
        ]


class SignedStockLineForm(StockLineForm):
    quantity = forms.DecimalField(
        required=False,
        label=pgettext_lazy("a stock adjustment", "Change"),
        max_digits=14,
        decimal_places=3,
        help_text=_("Minus for stock that went out, plus for stock found."),
    )


def _lines(form: type[StockLineForm]) -> Any:
    return forms.formset_factory(
        form, formset=BaseLines, extra=3, max_num=MAX_LINES, validate_max=True, absolute_max=MAX_LINES
    )


StockLines = _lines(StockLineForm)
SignedStockLines = _lines(SignedStockLineForm)


class StockDocumentForm(OnceForm):
    storefront = forms.ChoiceField(label=_("Storefront"))
    note = forms.CharField(
        max_length=500, required=False, label=_("Note"), help_text=_("A supplier's invoice number, say.")
    )

    def __init__(self, *args: Any, storefronts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "storefront").choices = storefront_choices(storefronts)


class AdjustForm(StockDocumentForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=[(r, REASON_LABELS[r]) for r in ADJUST_REASONS])


class TransferForm(StockDocumentForm):
    to_storefront = forms.ChoiceField(label=_("To storefront"))

    def __init__(self, *args: Any, storefronts: list[Any], targets: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, storefronts=storefronts, **kwargs)
        self.fields["storefront"].label = _("From storefront")
        choice_field(self, "to_storefront").choices = storefront_choices(targets)


class LevelFilterForm(PortalForm):
    storefront = forms.ChoiceField(required=False, label=_("Storefront"))
    low = forms.BooleanField(required=False, label=_("Low stock only"))

    def __init__(self, *args: Any, storefronts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = storefront_choices(storefronts)
        everything: list[tuple[str, Any]] = [("", _("All storefronts"))] if len(choices) > 1 else []
        choice_field(self, "storefront").choices = [*everything, *choices]


class MovementFilterForm(LevelFilterForm):
    product = ProductCodeField(required=False)
    kind = forms.ChoiceField(
        required=False,
        label=_("Reason"),
        choices=[("", _("All"))] + [(k, KIND_LABELS[k]) for k in MOVEMENT_KINDS],
    )
    date_from = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, storefronts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, storefronts=storefronts, **kwargs)
        del self.fields["low"]
