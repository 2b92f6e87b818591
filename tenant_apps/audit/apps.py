from django.apps import AppConfig


class TenantAuditConfig(AppConfig):
    name = "tenant_apps.audit"
    label = "tenant_audit"
    verbose_name = "Shop audit log"
