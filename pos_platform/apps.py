from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class PosPlatformConfig(AppConfig):
    name = "pos_platform"
    label = "pos_platform"
    verbose_name = "POS platform"

    def ready(self) -> None:
        from django.contrib.auth.management import create_permissions
        from django_tenants.utils import get_public_schema_name

        from pos_platform.db import (
            connection,
            lookups,  # noqa: F401 - registers field__any
        )

        # auth_permission lives in public only. Run in a tenant schema, Django's handler would
        # pair public permission rows with the tenant's content-type ids; the project does not
        # use model permissions in tenant apps, so the handler runs for public only.
        def create_permissions_public_only(*args: Any, **kwargs: Any) -> None:
            if connection.schema_name == get_public_schema_name():
                create_permissions(*args, **kwargs)

        uid = "django.contrib.auth.management.create_permissions"
        post_migrate.disconnect(dispatch_uid=uid)
        post_migrate.connect(create_permissions_public_only, dispatch_uid=uid, weak=False)
