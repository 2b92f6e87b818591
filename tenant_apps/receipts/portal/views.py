"""The back office's page to send a sale's receipt to a customer (SMS, WhatsApp or e-mail), with
its public address and where it went. Same services as the API."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pos_platform.kernel.errors import ApplicationError
from pos_platform.portal.errors import error_text
from pos_platform.portal.forms import PortalForm
from pos_platform.portal.pages import PortalRequest, allowed, not_found, portal_page
from tenant_apps.receipts.selectors import receipt_requests_of
from tenant_apps.receipts.services import receipt_send, receipt_url
from tenant_apps.sales.models import Sale


class SendForm(PortalForm):
    channel = forms.ChoiceField(
        choices=[("sms", "SMS"), ("whatsapp", "WhatsApp"), ("email", gettext_lazy("Email"))],
        label=gettext_lazy("Send by"),
        widget=forms.RadioSelect,
        initial="sms",
    )
    to = forms.CharField(
        max_length=254,
        label=gettext_lazy("Phone number or email"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "email"}),
    )
    language = forms.ChoiceField(
        choices=[("en", "English"), ("fr", "Français")], label=gettext_lazy("Language"), initial="en"
    )


@portal_page("sale.view")
@require_http_methods(["GET", "POST"])
def send_receipt_view(request: PortalRequest, sale_id: uuid.UUID) -> HttpResponse:
    sale = Sale.objects.filter(pk=sale_id).first()
    if sale is None or not allowed(request, "sale.view", sale.storefront_id):
        return not_found(request, _("No such sale."))
    form = SendForm(request.POST or None)
    context: dict[str, Any] = {"sale": sale, "form": form}
    if request.method == "POST" and form.is_valid():
        try:
            receipt_send(
                sale_id=sale.pk,
                channel=form.cleaned_data["channel"],
                to=form.cleaned_data["to"],
                language=form.cleaned_data["language"],
                source="staff",
                requested_by=request.user.pk,
            )
        except ApplicationError as exc:
            form.add_error("to", error_text(exc))
            context["url"] = receipt_url(sale_id=sale.pk)
            context["sent_to"] = receipt_requests_of(sale_id=sale.pk)
            return render(request, "receipts/portal/send.html", context, status=exc.status)
        messages.success(request, _("The receipt is on its way."))
        return redirect("portal-receipt-send", sale_id=sale.pk)
    context["url"] = receipt_url(sale_id=sale.pk)
    context["sent_to"] = receipt_requests_of(sale_id=sale.pk)
    return render(request, "receipts/portal/send.html", context)
