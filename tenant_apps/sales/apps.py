from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "tenant_apps.sales"
    label = "sales"
    verbose_name = "Sales"
