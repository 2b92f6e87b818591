"""Serializer fields for amounts and quantities, as the columns store them."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


def money_field(**kwargs: Any) -> serializers.DecimalField:
    """An amount: up to 14 digits with 2 decimals, rendered as a string."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 2)
    return serializers.DecimalField(**kwargs)


def quantity_field(**kwargs: Any) -> serializers.DecimalField:
    """A quantity: up to 14 digits with 3 decimals, rendered as a string."""
    kwargs.setdefault("max_digits", 14)
    kwargs.setdefault("decimal_places", 3)
    return serializers.DecimalField(**kwargs)
