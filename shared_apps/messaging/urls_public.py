"""Messages at the platform host, under /api/v1/: the provider's delivery reports."""

from django.urls import path

from shared_apps.messaging import apis

urlpatterns = [
    path(
        "messages/reports/africastalking/<str:token>",
        apis.AfricasTalkingReportApi.as_view(),
        name="messages-report-africastalking",
    ),
]
