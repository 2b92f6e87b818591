"""The sales pages under /portal/. Each route carries its prefix: the list is /portal/sales
without a trailing slash, which an include under "sales" could only give with routes that begin
with a slash (Django's urls.W002)."""

from django.urls import path

from tenant_apps.sales.portal import views

urlpatterns = [
    path("sales", views.sales_list_view, name="portal-sales"),
    path("sales/new", views.sale_new_view, name="portal-sale-new"),
    path("sales/<uuid:sale_id>", views.sale_detail_view, name="portal-sale"),
    path("sales/<uuid:sale_id>/receipt", views.sale_receipt_view, name="portal-sale-receipt"),
    path("sales/<uuid:sale_id>/void", views.sale_void_view, name="portal-sale-void"),
    path("sales/<uuid:sale_id>/refund", views.sale_refund_view, name="portal-sale-refund"),
]
