"""The platform host (``POS_BASE_DOMAIN``)."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("pos_platform.urls_common")),
    # The platform admin (OTP-verified platform staff only); never on a tenant's host.
    path("admin/", admin.site.urls),
]

handler404 = "pos_platform.api.exceptions.not_found_view"
handler500 = "pos_platform.api.exceptions.server_error_view"
