"""Forms of the sync pages: the conflict filters, resolving one conflict, accepting a day's price
differences at once, and creating and revoking terminals."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pos_platform.portal.forms import OnceForm, PortalForm, choice_field
from sync.models import Conflict

KIND_LABELS: dict[str, Any] = {
    Conflict.Kind.OVERSOLD: _("Sold more than in stock"),
    Conflict.Kind.PRICE_MISMATCH: _("Price differs"),
    Conflict.Kind.TOTAL_MISMATCH: _("Total differs"),
    Conflict.Kind.RECEIPT_CLASH: _("Receipt number used twice"),
    Conflict.Kind.CLOCK_SKEW: _("Device clock wrong"),
    Conflict.Kind.PAYMENT_MISMATCH: _("Payments do not match"),
    Conflict.Kind.SHIFT_MISSING: _("Unknown shift"),
}
STATUS_LABELS: dict[str, Any] = {
    Conflict.Status.OPEN: _("Open"),
    Conflict.Status.RESOLVED: _("Resolved"),
}
RESOLUTION_LABELS: dict[str, Any] = {
    Conflict.Resolution.ACCEPTED: _("Accept: the sale stands as recorded"),
    Conflict.Resolution.ANNOTATED: _("Keep a note: the sale stands, with what you found"),
    Conflict.Resolution.STOCK_ADJUSTED: _("Adjust stock: book a correction of the level"),
}


def _date(label: Any, required: bool = False) -> forms.DateField:
    return forms.DateField(required=required, label=label, widget=forms.DateInput(attrs={"type": "date"}))


class ConflictFilterForm(PortalForm):
    status = forms.ChoiceField(
        required=False,
        label=_("Status"),
        choices=[("open", _("Open")), ("resolved", _("Resolved")), ("all", _("All"))],
    )
    kind = forms.ChoiceField(required=False, label=_("Kind"), choices=[("", _("All")), *KIND_LABELS.items()])
    storefront = forms.ChoiceField(required=False, label=_("Storefront"))
    terminal = forms.ChoiceField(required=False, label=_("Terminal"))
    date_from = _date(_("From"))
    date_to = _date(_("To"))

    def __init__(
        self,
        *args: Any,
        storefronts: list[tuple[str, str]],
        terminals: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        everything: list[tuple[str, Any]] = [("", _("All storefronts"))] if len(storefronts) > 1 else []
        choice_field(self, "storefront").choices = [*everything, *storefronts]
        choice_field(self, "terminal").choices = [("", _("All terminals")), *terminals]


class ConflictResolveForm(OnceForm):
    resolution = forms.ChoiceField(
        label=_("What to do"), widget=forms.RadioSelect, choices=list(RESOLUTION_LABELS.items())
    )
    quantity = forms.DecimalField(
        required=False,
        label=_("Stock change"),
        max_digits=14,
        decimal_places=3,
        help_text=_("For an adjustment: plus for stock found on the shelf, minus for stock missing."),
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        label=_("Note"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What you found; needed to keep a note."),
    )

    def __init__(self, *args: Any, has_product: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quantity"].widget.attrs["inputmode"] = "decimal"
        if not has_product:  # nothing to adjust
            del self.fields["quantity"]
            choice_field(self, "resolution").choices = [
                (k, v) for k, v in RESOLUTION_LABELS.items() if k != Conflict.Resolution.STOCK_ADJUSTED
            ]


class AcceptDayForm(OnceForm):
    day = _date(_("Day"), required=True)
    storefront = forms.ChoiceField(required=False, label=_("Storefront"))

    def __init__(self, *args: Any, storefronts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        everything: list[tuple[str, Any]] = [("", _("All storefronts"))] if len(storefronts) > 1 else []
        choice_field(self, "storefront").choices = [*everything, *storefronts]


class TerminalCreateForm(PortalForm):
    storefront = forms.ChoiceField(label=_("Storefront"))
    code = forms.CharField(
        max_length=8,
        label=_("Code"),
        help_text=_("1 to 8 capital letters or digits, such as T2; receipt numbers carry it."),
    )
    name = forms.CharField(max_length=120, label=_("Name"), help_text=_("Such as: Till by the door."))

    def __init__(self, *args: Any, storefronts: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "storefront").choices = storefronts
        self.fields["code"].widget.attrs["autocapitalize"] = "characters"


class TerminalRevokeForm(PortalForm):
    reason = forms.CharField(
        max_length=500, required=False, label=_("Reason"), help_text=_("Lost, stolen, replaced ...")
    )
