"""The settings page under /portal/ (each route carries its prefix, as the other apps' pages do)."""

from django.urls import path

from tenant_apps.shop.portal import views

urlpatterns = [
    path("settings", views.settings_view, name="portal-settings"),
    path(
        "settings/payment-methods/<uuid:method_id>/toggle",
        views.payment_method_toggle_view,
        name="portal-payment-method-toggle",
    ),
]
