"""``/portal/`` on a shop's host: each app's pages, beside its API."""

from django.urls import include, path

urlpatterns = [
    path("", include("shared_apps.accounts.portal.urls")),
    path("", include("tenant_apps.reports.portal.urls")),
    path("", include("tenant_apps.catalog.portal.urls")),
    path("", include("tenant_apps.inventory.portal.urls")),
    path("", include("tenant_apps.sales.portal.urls")),
    path("receipts/", include("tenant_apps.receipts.portal.urls")),
    path("", include("sync.portal.urls")),
    path("", include("tenant_apps.shifts.portal.urls")),
    path("", include("tenant_apps.taxes.portal.urls")),
    path("", include("tenant_apps.audit.portal.urls")),
    path("", include("tenant_apps.shop.portal.urls")),
    path("", include("shared_apps.billing.portal.urls")),
]
