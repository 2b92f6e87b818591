"""The platform host (``POS_BASE_DOMAIN``)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

urlpatterns = [
    # The schema of this host's own routes (the shared view would describe ROOT_URLCONF, the
    # tenant map); listed first so that it wins over the one in urls_common.
    path("api/schema/", SpectacularAPIView.as_view(urlconf="pos_platform.urls_public"), name="schema"),
    path("", include("pos_platform.urls_common")),
    # The platform admin (OTP-verified platform staff only); never on a tenant's host.
    path("admin/", admin.site.urls),
    path("api/v1/", include("shared_apps.billing.urls_public")),
    path("api/v1/", include("shared_apps.messaging.urls_public")),
    path("api/v1/", include("shared_apps.signup.urls_public")),
    path("portal/", include("shared_apps.signup.portal.urls")),
    path("", include("shared_apps.messaging.urls_pages")),
]

handler404 = "pos_platform.api.exceptions.not_found_view"
handler500 = "pos_platform.api.exceptions.server_error_view"
