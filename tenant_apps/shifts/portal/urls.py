"""The shift pages under /portal/ (each route carries its prefix, as the other apps' pages do)."""

from django.urls import path

from tenant_apps.shifts.portal import views

urlpatterns = [
    path("shifts", views.shifts_view, name="portal-shifts"),
    path("shifts/open", views.shift_open_view, name="portal-shift-open"),
    path("shifts/<uuid:shift_id>", views.shift_view, name="portal-shift"),
    path("shifts/<uuid:shift_id>/close", views.shift_close_view, name="portal-shift-close"),
    path("shifts/<uuid:shift_id>/report", views.shift_report_view, name="portal-shift-report"),
]
