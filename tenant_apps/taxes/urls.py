from django.urls import path

from tenant_apps.taxes.apis import TaxCategoriesApi, TaxRateEndApi, TaxRatesApi

urlpatterns = [
    path("tax-categories", TaxCategoriesApi.as_view(), name="tax-category-list"),
    path("tax-rates", TaxRatesApi.as_view(), name="tax-rate-list"),
    path("tax-rates/<uuid:rate_id>/end", TaxRateEndApi.as_view(), name="tax-rate-end"),
]
