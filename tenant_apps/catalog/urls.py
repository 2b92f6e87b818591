from django.urls import path

from tenant_apps.catalog.apis import ProductDetailApi, ProductPricesApi, ProductsApi

urlpatterns = [
    path("products", ProductsApi.as_view(), name="product-list"),
    path("products/<uuid:product_id>", ProductDetailApi.as_view(), name="product-detail"),
    path("products/<uuid:product_id>/prices", ProductPricesApi.as_view(), name="product-prices"),
]
