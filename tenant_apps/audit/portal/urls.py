"""The audit log page under /portal/ (the route carries its prefix, as the other apps' pages do)."""

from django.urls import path

from tenant_apps.audit.portal import views

urlpatterns = [path("audit", views.audit_view, name="portal-audit")]
