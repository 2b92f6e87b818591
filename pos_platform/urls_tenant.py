"""A tenant's host (``<slug>.<POS_BASE_DOMAIN>`` or a custom domain)."""

from django.urls import include, path

urlpatterns = [
    path("", include("pos_platform.urls_common")),
    path("api/v1/", include("shared_apps.accounts.urls")),
    path("api/v1/", include("tenant_apps.audit.urls")),
    path("api/v1/", include("tenant_apps.storefronts.urls")),
    path("api/v1/", include("sync.urls")),
    path("portal/", include("pos_platform.portal.urls")),
    path("api/v1/", include("shared_apps.billing.urls")),
    path("api/v1/", include("tenant_apps.shop.urls")),
    path("api/v1/", include("tenant_apps.taxes.urls")),
    path("api/v1/", include("tenant_apps.catalog.urls")),
    path("api/v1/", include("tenant_apps.inventory.urls")),
    path("api/v1/", include("tenant_apps.sales.urls")),
    path("api/v1/", include("tenant_apps.shifts.urls")),
    path("api/v1/", include("tenant_apps.reports.urls")),
    path("api/v1/", include("shared_apps.messaging.urls")),
    path("api/v1/", include("tenant_apps.receipts.api_urls")),
    path("api/v1/", include("shared_apps.signup.urls")),
    path("", include("tenant_apps.receipts.urls")),
    path("", include("pos_platform.terminal.urls")),
    path("", include("shared_apps.messaging.urls_pages")),
]

handler404 = "pos_platform.api.exceptions.not_found_view"
handler500 = "pos_platform.api.exceptions.server_error_view"
