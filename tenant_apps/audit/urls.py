from django.urls import path

from tenant_apps.audit.apis import AuditEventListApi

urlpatterns = [
    path("audit/events", AuditEventListApi.as_view(), name="audit-events"),
]
