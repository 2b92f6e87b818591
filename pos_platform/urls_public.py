"""The platform host (``POS_BASE_DOMAIN``)."""

from django.urls import include, path

urlpatterns = [
    path("", include("pos_platform.urls_common")),
]

handler404 = "pos_platform.api.exceptions.not_found_view"
handler500 = "pos_platform.api.exceptions.server_error_view"
