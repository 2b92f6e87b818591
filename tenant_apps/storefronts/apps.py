from django.apps import AppConfig


class StorefrontsConfig(AppConfig):
    name = "tenant_apps.storefronts"
    label = "storefronts"
    verbose_name = "Storefronts"
