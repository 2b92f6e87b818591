from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pos_platform.portal.forms import OnceForm, PortalForm, choice_field
from tenant_apps.catalog.portal.forms import ProductCodeField
from tenant_apps.inventory.portal.forms import storefront_choices
from tenant_apps.sales.selectors import STATUSES

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0)}
STATUS_LABELS = {
    "completed": _("Completed"),
    "partially_refunded": _("Partly refunded"),
    "refunded": _("Refunded"),
    "voided": _("Voided"),
}


def _decimal_input(field: forms.Field) -> None:
    field.widget.attrs["inputmode"] = "decimal"


class SaleFilterForm(PortalForm):
    date_from = forms.DateField(
        required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    storefront = forms.ChoiceField(required=False, label=_("Storefront"))
    cashier = forms.ChoiceField(required=False, label=_("Cashier"))
    terminal = forms.ChoiceField(required=False, label=_("Terminal"))
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("", _("All"))] + [(s, STATUS_LABELS[s]) for s in STATUSES],
    )
    method = forms.ChoiceField(required=False, label=_("Payment method"))

    def __init__(
        self,
        *args: Any,
        storefronts: list[Any],
        cashiers: list[tuple[str, str]],
        terminals: list[tuple[str, str]],
        methods: list[Any],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        stores = storefront_choices(storefronts)
        everything = [("", _("All"))]
        choice_field(self, "storefront").choices = [*(everything if len(stores) > 1 else []), *stores]
        choice_field(self, "cashier").choices = [*everything, *cashiers]
        choice_field(self, "terminal").choices = [
            *everything,
            ("online", _("Online (back office)")),
            *terminals,
        ]
        choice_field(self, "method").choices = everything + [(m.code, m.name) for m in methods]


class SaleForm(OnceForm):
    storefront = forms.ChoiceField(label=_("Storefront"))
    discount = forms.DecimalField(required=False, label=_("Discount on the whole sale"), initial=0, **MONEY)
    note = forms.CharField(required=False, max_length=500, label=_("Note"))

    def __init__(self, *args: Any, storefronts: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "storefront").choices = storefront_choices(storefronts)
        _decimal_input(self.fields["discount"])


class SaleLineForm(PortalForm):
    product = ProductCodeField(required=False)
    quantity = forms.DecimalField(
        required=False, label=_("Quantity"), max_digits=14, decimal_places=3, min_value=Decimal("0.001")
    )
    discount = forms.DecimalField(required=False, label=_("Discount"), **MONEY)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _decimal_input(self.fields["quantity"])
        _decimal_input(self.fields["discount"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("product") and data.get("quantity") is None:
            data["quantity"] = Decimal(1)
        return data


class BaseSaleLines(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        if not any(f.cleaned_data.get("product") for f in self.forms):
            raise forms.ValidationError(_("Add at least one product."))


SaleLines = forms.formset_factory(SaleLineForm, formset=BaseSaleLines, extra=3, max_num=100, absolute_max=100)


# Payment details and the kind of method that needs them.
DETAILS_OF = {
    "provider": "mobile_money",
    "reference": "mobile_money",
    "card_last4": "card",
    "auth_code": "card",
}


class PaymentForm(PortalForm):
    method = forms.ChoiceField(required=False, label=_("Paid by"))
    amount = forms.DecimalField(
        required=False, label=_("Amount"), help_text=_("Cash: what the customer handed over."), **MONEY
    )
    provider = forms.CharField(required=False, max_length=40, label=_("Mobile money provider"))
    reference = forms.CharField(required=False, max_length=80, label=_("Transaction reference"))
    card_last4 = forms.CharField(required=False, max_length=4, label=_("Card: last 4 digits"))
    auth_code = forms.CharField(required=False, max_length=20, label=_("Card: authorisation code"))

    def __init__(self, *args: Any, methods: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "method").choices = [("", _("Choose")), *((m.code, m.name) for m in methods or [])]
        _decimal_input(self.fields["amount"])
        self.fields["card_last4"].widget.attrs["inputmode"] = "numeric"
        # With the script, only the details the chosen method needs are shown.
        self.fields["method"].widget.attrs["data-kinds"] = json.dumps({m.code: m.kind for m in methods or []})
        for name, kind in DETAILS_OF.items():
            self.fields[name].widget.attrs["data-only"] = kind

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("method") and data.get("amount") is None:
            self.add_error("amount", _("Give the amount."))
        if data.get("amount") is not None and not data.get("method"):
            self.add_error("method", _("Choose how it was paid."))
        return data


Payments = forms.formset_factory(PaymentForm, extra=1, max_num=10, absolute_max=10)


class VoidForm(OnceForm):
    reason = forms.CharField(
        max_length=500, label=_("Why is it voided?"), widget=forms.Textarea(attrs={"rows": 2})
    )


class RefundForm(OnceForm):
    reason = forms.CharField(max_length=500, label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    restock = forms.BooleanField(required=False, initial=True, label=_("Put the items back in stock"))
    payment_method = forms.ChoiceField(label=_("Money returned by"))

    def __init__(self, *args: Any, lines: list[dict[str, Any]], methods: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "payment_method").choices = [(m.code, m.name) for m in methods]
        self.line_fields: list[tuple[str, dict[str, Any]]] = []
        for line in lines:
            name = f"line_{line['line'].pk}"
            self.fields[name] = forms.DecimalField(
                required=False,
                min_value=Decimal(0),
                max_digits=14,
                decimal_places=3,
                label=line["line"].name,
                help_text=_("Up to %(n)s") % {"n": line["refundable_text"]},
                disabled=line["refundable"] <= 0,
            )
            _decimal_input(self.fields[name])
            self.line_fields.append((name, line))
        # The lines come first.
        order = [n for n, _line in self.line_fields] + [
            "reason",
            "restock",
            "payment_method",
            "idempotency_key",
        ]
        self.order_fields(order)

    def refund_lines(self) -> list[tuple[Any, Decimal]]:
        return [
            (line["line"].pk, self.cleaned_data[name])
            for name, line in self.line_fields
            if self.cleaned_data.get(name)
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not self.refund_lines():
            raise forms.ValidationError(_("Give the quantity to refund of at least one line."))
        return data
