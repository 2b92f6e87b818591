from __future__ import annotations

from django.db.models import QuerySet

from tenant_apps.storefronts.models import Storefront


def storefront_list(*, active_only: bool = False) -> QuerySet[Storefront]:
    qs = Storefront.objects.all()
    if active_only:
        qs = qs.filter(is_active=True)
    return qs
