from django.urls import path

from tenant_apps.shop.apis import SettingsApi

urlpatterns = [path("settings", SettingsApi.as_view(), name="settings")]
