from django.urls import path

from tenant_apps.reports.portal import views

urlpatterns = [
    path("", views.home_view, name="portal-home"),
    path("reports", views.reports_view, name="portal-reports"),
    path("reports/day", views.day_report_view, name="portal-day-report"),
    path("reports/sales.csv", views.sales_export_view, name="portal-export-sales"),
    path("reports/stock-movements.csv", views.movements_export_view, name="portal-export-movements"),
]
