from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    name = "tenant_apps.receipts"
    label = "receipts"
    verbose_name = "Receipts for customers"
