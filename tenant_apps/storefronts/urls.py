from django.urls import path

from tenant_apps.storefronts.apis import StorefrontDetailApi, StorefrontsApi

urlpatterns = [
    path("storefronts", StorefrontsApi.as_view(), name="storefront-list"),
    path("storefronts/<uuid:storefront_id>", StorefrontDetailApi.as_view(), name="storefront-detail"),
]
