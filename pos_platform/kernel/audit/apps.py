from django.apps import AppConfig


class TenantAuditConfig(AppConfig):
    name = "pos_platform.kernel.audit"
    label = "tenant_audit"
    verbose_name = "Shop audit log"
