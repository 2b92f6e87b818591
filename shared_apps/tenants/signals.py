"""Keep the routing cache true whatever changes a tenant or a domain (services, admin, shell).

Only cache invalidation happens here; no business rule does.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from shared_apps.tenants.models import Domain, Tenant
from shared_apps.tenants.routing import routes_invalidate


@receiver(post_save, sender=Tenant, dispatch_uid="tenants.route.tenant_saved")
@receiver(post_delete, sender=Tenant, dispatch_uid="tenants.route.tenant_deleted")
def _tenant_changed(sender: type[Tenant], instance: Tenant, **kwargs: Any) -> None:
    if instance.pk is None:
        return
    routes_invalidate(Domain.objects.filter(tenant_id=instance.pk).values_list("domain", flat=True))


@receiver(pre_save, sender=Domain, dispatch_uid="tenants.route.domain_renamed")
def _domain_renamed(sender: type[Domain], instance: Domain, **kwargs: Any) -> None:
    if instance.pk is not None:
        previous = Domain.objects.filter(pk=instance.pk).values_list("domain", flat=True).first()
        if previous and previous != instance.domain:
            routes_invalidate([previous])


@receiver(post_save, sender=Domain, dispatch_uid="tenants.route.domain_saved")
@receiver(post_delete, sender=Domain, dispatch_uid="tenants.route.domain_deleted")
def _domain_changed(sender: type[Domain], instance: Domain, **kwargs: Any) -> None:
    routes_invalidate([instance.domain])
