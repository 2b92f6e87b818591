from django.urls import path

from tenant_apps.sales.portal import views

urlpatterns = [
    path("", views.sales_list_view, name="portal-sales"),
    path("/new", views.sale_new_view, name="portal-sale-new"),
    path("/<uuid:sale_id>", views.sale_detail_view, name="portal-sale"),
    path("/<uuid:sale_id>/receipt", views.sale_receipt_view, name="portal-sale-receipt"),
    path("/<uuid:sale_id>/void", views.sale_void_view, name="portal-sale-void"),
    path("/<uuid:sale_id>/refund", views.sale_refund_view, name="portal-sale-refund"),
]
