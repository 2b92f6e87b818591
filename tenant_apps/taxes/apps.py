from django.apps import AppConfig


class TaxesConfig(AppConfig):
    name = "tenant_apps.taxes"
    label = "taxes"
    verbose_name = "Taxes"
