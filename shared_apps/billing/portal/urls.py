"""The billing pages under /portal/ (each route carries its prefix, as the other apps' pages do)."""

from django.urls import path

from shared_apps.billing.portal import views

urlpatterns = [
    path("billing", views.billing_view, name="portal-billing"),
    path("billing/invoices/<uuid:invoice_id>", views.invoice_view, name="portal-invoice"),
]
