"""Column types shared by the tenant apps: money is numeric(14, 2), quantities numeric(14, 3)."""

from __future__ import annotations

from typing import Any

from django.db import models


def MoneyField(**kwargs: Any) -> models.DecimalField:  # noqa: N802 - reads as a field class
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    return models.DecimalField(**kwargs)


def QuantityField(**kwargs: Any) -> models.DecimalField:  # noqa: N802
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 3)
    return models.DecimalField(**kwargs)
