"""The public receipt page on a shop's host (outside /api/ and /portal/)."""

from django.urls import path

from tenant_apps.receipts import views

urlpatterns = [
    path("r/<str:token>", views.receipt_page, name="receipt-page"),
    path("r/<str:token>/qr.svg", views.receipt_qr, name="receipt-qr"),
]
