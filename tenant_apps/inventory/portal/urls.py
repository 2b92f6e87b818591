from django.urls import path

from tenant_apps.inventory.portal import views

urlpatterns = [
    path("", views.levels_view, name="portal-stock"),
    path("/movements", views.movements_view, name="portal-stock-movements"),
    path("/receive", views.receive_view, name="portal-stock-receive"),
    path("/adjust", views.adjust_view, name="portal-stock-adjust"),
    path("/count", views.count_view, name="portal-stock-count"),
    path("/transfer", views.transfer_view, name="portal-stock-transfer"),
]
