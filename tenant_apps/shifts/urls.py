from django.urls import path

from tenant_apps.shifts.apis import ShiftCashMovementsApi, ShiftCloseApi, ShiftDetailApi, ShiftsApi

urlpatterns = [
    path("shifts", ShiftsApi.as_view(), name="shift-list"),
    path("shifts/<uuid:shift_id>", ShiftDetailApi.as_view(), name="shift-detail"),
    path(
        "shifts/<uuid:shift_id>/cash-movements", ShiftCashMovementsApi.as_view(), name="shift-cash-movements"
    ),
    path("shifts/<uuid:shift_id>/close", ShiftCloseApi.as_view(), name="shift-close"),
]
