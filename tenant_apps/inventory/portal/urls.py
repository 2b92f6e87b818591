"""The stock pages under /portal/. Each route carries its prefix: the list is /portal/stock
without a trailing slash, which an include under "stock" could only give with routes that begin
with a slash (Django's urls.W002)."""

from django.urls import path

from tenant_apps.inventory.portal import views

urlpatterns = [
    path("stock", views.levels_view, name="portal-stock"),
    path("stock/movements", views.movements_view, name="portal-stock-movements"),
    path("stock/receive", views.receive_view, name="portal-stock-receive"),
    path("stock/adjust", views.adjust_view, name="portal-stock-adjust"),
    path("stock/count", views.count_view, name="portal-stock-count"),
    path("stock/transfer", views.transfer_view, name="portal-stock-transfer"),
]
