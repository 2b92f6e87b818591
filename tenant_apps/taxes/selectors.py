from __future__ import annotations

import datetime as dt
import uuid

from django.db.models import Q, QuerySet

from tenant_apps.taxes.models import TaxCategory, TaxRate


def tax_category_list() -> QuerySet[TaxCategory]:
    return TaxCategory.objects.all()


def tax_rate_list(
    *, category_id: uuid.UUID | None = None, at: dt.datetime | None = None
) -> QuerySet[TaxRate]:
    qs = TaxRate.objects.select_related("category")
    if category_id is not None:
        qs = qs.filter(category_id=category_id)
    if at is not None:
        qs = qs.filter(Q(effective_to__isnull=True) | Q(effective_to__gt=at), effective_from__lte=at)
    return qs
