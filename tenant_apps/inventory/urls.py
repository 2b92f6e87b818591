from django.urls import path

from tenant_apps.inventory.apis import (
    StockAdjustmentsApi,
    StockCountsApi,
    StockLevelsApi,
    StockMovementsApi,
    StockReceiptsApi,
    StockTransfersApi,
)

urlpatterns = [
    path("stock/levels", StockLevelsApi.as_view(), name="stock-levels"),
    path("stock/movements", StockMovementsApi.as_view(), name="stock-movements"),
    path("stock/receipts", StockReceiptsApi.as_view(), name="stock-receipts"),
    path("stock/adjustments", StockAdjustmentsApi.as_view(), name="stock-adjustments"),
    path("stock/counts", StockCountsApi.as_view(), name="stock-counts"),
    path("stock/transfers", StockTransfersApi.as_view(), name="stock-transfers"),
]
