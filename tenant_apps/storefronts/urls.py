from django.urls import path

from tenant_apps.storefronts.apis import StorefrontListApi

urlpatterns = [
    path("storefronts", StorefrontListApi.as_view(), name="storefront-list"),
]
