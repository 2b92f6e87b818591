from django.urls import path

from tenant_apps.receipts.portal import views

urlpatterns = [
    path("<uuid:sale_id>", views.send_receipt_view, name="portal-receipt-send"),
]
