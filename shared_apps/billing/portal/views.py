"""Billing under /portal/billing: the subscription (status, trial end, storefronts billed, the
next amount), the invoices with their tax lines as issued, a printable invoice, and what past due
and suspension mean, in plain words. The billing selectors and the API's ``billing.view``."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pos_platform.portal.pages import PortalRequest, portal_page
from pos_platform.portal.pagination import paginate
from shared_apps.billing.errors import SubscriptionNotFound
from shared_apps.billing.selectors import invoice_list, invoice_of, invoice_open_of, subscription_of


@portal_page("billing.view")
@require_GET
def billing_view(request: PortalRequest) -> HttpResponse:
    tenant_id = request.tenant.pk
    try:
        subscription = subscription_of(tenant_id=tenant_id)
    except SubscriptionNotFound:  # a shop that platform staff run without a subscription
        subscription = None
    return render(
        request,
        "billing/portal/billing.html",
        {
            "subscription": subscription,
            "open_invoice": invoice_open_of(tenant_id=tenant_id),
            "page": paginate(request, invoice_list(tenant_id=tenant_id)),
            "due_days": settings.POS_BILLING_DUE_DAYS,
            "grace_days": settings.POS_BILLING_GRACE_DAYS,
        },
    )


@portal_page("billing.view")
@require_GET
def invoice_view(request: PortalRequest, invoice_id: uuid.UUID) -> HttpResponse:
    invoice = invoice_of(tenant_id=request.tenant.pk, invoice_id=invoice_id)
    return render(
        request,
        "billing/portal/invoice.html",
        {
            "invoice": invoice,
            "taxes": list(invoice.snapshot.get("taxes", [])),
            "charges": list(invoice.snapshot.get("charges", [])),
        },
    )
