from django.urls import path

from tenant_apps.reports.apis import (
    DailyReportApi,
    LowStockReportApi,
    MovementsExportApi,
    SalesExportApi,
    TopProductsReportApi,
    TrendReportApi,
)

urlpatterns = [
    path("reports/daily", DailyReportApi.as_view(), name="report-daily"),
    path("reports/trend", TrendReportApi.as_view(), name="report-trend"),
    path("reports/top-products", TopProductsReportApi.as_view(), name="report-top-products"),
    path("reports/low-stock", LowStockReportApi.as_view(), name="report-low-stock"),
    path("exports/sales.csv", SalesExportApi.as_view(), name="export-sales"),
    path("exports/stock-movements.csv", MovementsExportApi.as_view(), name="export-stock-movements"),
]
