from django.apps import AppConfig


class ShiftsConfig(AppConfig):
    name = "tenant_apps.shifts"
    label = "shifts"
    verbose_name = "Cash shifts"
