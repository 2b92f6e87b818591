from typing import Any

from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "shared_apps.tenants"
    label = "tenants"
    verbose_name = "Tenants"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from shared_apps.tenants import signals  # noqa: F401 - connects cache invalidation

        post_migrate.connect(_citus_reference_tables, sender=self, dispatch_uid="tenants.citus.reference")


def _citus_reference_tables(sender: AppConfig, **kwargs: Any) -> None:
    """On Citus, after the public schema is migrated: the public tables that tenant tables point
    at become reference tables before any tenant schema is built against them."""
    from django_tenants.utils import get_public_schema_name

    from pos_platform.db import connection
    from shared_apps.tenants import citus

    if citus.enabled() and connection.schema_name == get_public_schema_name():
        citus.reference_tables_ensure()
