"""Shop settings under /portal/settings: tax-inclusive prices, negative stock, the currency's
minor unit, and the payment methods (add, switch on and off). The shop and payment-method
services and the API's ``settings.manage``."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from pos_platform.portal.forms import PortalForm
from pos_platform.portal.pages import PortalRequest, actor_of, allowed, not_found, portal_page, refused
from pos_platform.portal.submit import submit
from tenant_apps.sales.models import PaymentMethod
from tenant_apps.sales.selectors import payment_method_list
from tenant_apps.sales.services.payment_methods import payment_method_create, payment_method_update
from tenant_apps.shop.models import RECEIPT_TEXT_LINES, RECEIPT_TEXT_MAX
from tenant_apps.shop.services import shop_settings_get, shop_settings_update, shop_time_zone_set

KIND_LABELS = {
    "cash": gettext_lazy("Cash"),
    "mobile_money": gettext_lazy("Mobile money"),
    "card": gettext_lazy("Card"),
}


class SettingsForm(PortalForm):
    prices_include_tax = forms.BooleanField(required=False, label=gettext_lazy("Prices include tax"))
    allow_negative_stock = forms.BooleanField(
        required=False,
        label=gettext_lazy("Sell in the back office when stock runs out (stock goes negative)"),
    )
    minor_unit = forms.TypedChoiceField(
        label=gettext_lazy("Decimals of the currency"),
        coerce=int,
        choices=[(0, "0"), (1, "1"), (2, "2")],
        help_text=gettext_lazy("Amounts are rounded to this many decimals."),
    )
    receipt_header = forms.CharField(
        required=False,
        strip=False,
        max_length=RECEIPT_TEXT_MAX * 2,
        widget=forms.Textarea(attrs={"rows": RECEIPT_TEXT_LINES}),
        label=gettext_lazy("Receipt header"),
        help_text=gettext_lazy("Printed above the items, such as the address and phone number."),
    )
    receipt_footer = forms.CharField(
        required=False,
        strip=False,
        max_length=RECEIPT_TEXT_MAX * 2,
        widget=forms.Textarea(attrs={"rows": RECEIPT_TEXT_LINES}),
        label=gettext_lazy("Receipt footer"),
        help_text=gettext_lazy("Printed below the totals, such as the returns policy."),
    )


class TimeZoneForm(PortalForm):
    timezone = forms.CharField(
        max_length=64,
        label=gettext_lazy("Time zone"),
        help_text=gettext_lazy(
            "An IANA name such as Africa/Accra: business days, reports and receipts follow it."
        ),
    )


class PaymentMethodForm(PortalForm):
    code = forms.CharField(
        max_length=32, label=gettext_lazy("Code"), help_text=gettext_lazy("Such as momo_mtn.")
    )
    name = forms.CharField(max_length=80, label=gettext_lazy("Name"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=list(KIND_LABELS.items()))


@portal_page("settings.manage")
@require_http_methods(["GET", "POST"])
def settings_view(request: PortalRequest) -> HttpResponse:
    current = shop_settings_get()
    initial = {
        "prices_include_tax": current.prices_include_tax,
        "allow_negative_stock": current.allow_negative_stock,
        "minor_unit": current.minor_unit,
        "receipt_header": current.receipt_header,
        "receipt_footer": current.receipt_footer,
    }
    posting = request.method == "POST"
    posted = request.POST if posting and "minor_unit" in request.POST else None
    zone_posted = request.POST if posting and "timezone" in request.POST else None
    form = SettingsForm(posted, initial=initial)
    is_owner = allowed(request, "settings.timezone")
    zone_form = TimeZoneForm(zone_posted, initial={"timezone": request.tenant.timezone})
    method_form = PaymentMethodForm(request.POST if posting and not (posted or zone_posted) else None)
    if zone_posted is not None and not is_owner:
        return refused(request, "settings.timezone")
    response = None
    if zone_form.is_bound and zone_form.is_valid():

        def run_zone() -> str:
            shop_time_zone_set(actor=actor_of(request), time_zone=zone_form.cleaned_data["timezone"])
            return "/portal/settings"

        response = submit(request, zone_form, run_zone, done=_("Time zone saved."))
    elif posted is not None and form.is_valid():

        def run_settings() -> str:
            shop_settings_update(actor=actor_of(request), **form.cleaned_data)
            return "/portal/settings"

        response = submit(request, form, run_settings, done=_("Settings saved."))
    elif method_form.is_bound and method_form.is_valid():

        def run_method() -> str:
            payment_method_create(actor=actor_of(request), **method_form.cleaned_data)
            return "/portal/settings"

        response = submit(request, method_form, run_method, done=_("Payment method added."))
    if response is not None:
        return response
    return render(
        request,
        "shop/portal/settings.html",
        {
            "form": form,
            "method_form": method_form,
            "zone_form": zone_form,
            "is_owner": is_owner,
            "methods": list(payment_method_list().order_by("position", "code")),
            "kinds": KIND_LABELS,
        },
        status=400 if request.method == "POST" else 200,
    )


@portal_page("settings.manage")
@require_POST
def payment_method_toggle_view(request: PortalRequest, method_id: uuid.UUID) -> HttpResponse:
    method = PaymentMethod.objects.filter(pk=method_id).first()
    if method is None:
        return not_found(request, _("No such payment method."))
    payment_method_update(
        payment_method_id=method.pk, actor=actor_of(request), is_active=not method.is_active
    )
    messages.success(
        request, _("Payment method switched off.") if method.is_active else _("Payment method switched on.")
    )
    return redirect("/portal/settings")
