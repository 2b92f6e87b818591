from django.apps import AppConfig


class ShopConfig(AppConfig):
    name = "tenant_apps.shop"
    label = "shop"
    verbose_name = "Shop settings"
