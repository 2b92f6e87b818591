"""Column types shared by the tenant apps: money is numeric(14, 2), quantities numeric(14, 3)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models
from django.db.models import Q


def MoneyField(**kwargs: Any) -> models.DecimalField:
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(**kwargs)


def QuantityField(**kwargs: Any) -> models.DecimalField:
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 3)
    return models.DecimalField(**kwargs)


def one_of(field: str, values: Iterable[object]) -> Q:
    """``field`` equals one of ``values``, as ORed equalities.

    ``field__in`` on a varchar column deparses differently after a dump and restore (the array
    casts move), which would make snapshot-provisioned schemas differ from migrated ones.
    """
    condition = Q()
    for value in values:
        condition |= Q(**{field: value})
    return condition
