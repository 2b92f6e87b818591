"""Forms of the shift pages: open with a float, cash in or out, close with counted amounts."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pos_platform.portal.forms import OnceForm, PortalForm, choice_field

MONEY: dict[str, Any] = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal(0)}


def _money(label: Any, **kwargs: Any) -> forms.DecimalField:
    field = forms.DecimalField(label=label, **MONEY, **kwargs)
    field.widget.attrs["inputmode"] = "decimal"
    return field


class ShiftFilterForm(PortalForm):
    open = forms.BooleanField(required=False, label=_("Open shifts only"))
    variances = forms.BooleanField(required=False, label=_("With a difference only"))


class ShiftOpenForm(OnceForm):
    storefront = forms.ChoiceField(label=_("Storefront"))
    opening_float = _money(_("Opening float"), help_text=_("The cash in the drawer as the shift starts."))

    def __init__(self, *args: Any, storefronts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "storefront").choices = storefronts


class CashMovementForm(OnceForm):
    kind = forms.ChoiceField(
        label=_("Cash"),
        widget=forms.RadioSelect,
        choices=[("in", _("Into the drawer")), ("out", _("Out of the drawer"))],
    )
    amount = _money(_("Amount"))
    reason = forms.CharField(
        max_length=500, label=_("Reason"), help_text=_("A bank deposit, change brought in ...")
    )


class ShiftCloseForm(OnceForm):
    """One counted amount per payment method (``count_<code>``); cash must be counted."""

    note = forms.CharField(max_length=500, required=False, label=_("Note"))

    def __init__(self, *args: Any, methods: list[tuple[str, str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        note = self.fields.pop("note")
        for code, name, kind in methods:
            self.fields[f"count_{code}"] = _money(
                name,
                required=kind == "cash",
                help_text=_("Counted in the drawer.")
                if kind == "cash"
                else _("From the statement; blank if not checked."),
            )
        self.fields["note"] = note

    def counted(self) -> dict[str, Decimal]:
        return {
            name.removeprefix("count_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("count_") and value is not None
        }
