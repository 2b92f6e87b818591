"""The first-run steps of a new shop, as the portal shows them: each step is a callable listed in
``POS_ONBOARDING_STEPS`` (taking the user, answering ``{"step", "done", "path"}``), so that apps
above this one (the terminals, in ``sync``) add theirs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from shared_apps.accounts.mfa import mfa_enrolled
from shared_apps.accounts.models import User


def onboarding_steps(*, user: User) -> list[dict[str, Any]]:
    """Done or not, in order, at the shop whose schema is active."""
    steps: list[Callable[[User], dict[str, Any]]] = [import_string(p) for p in settings.POS_ONBOARDING_STEPS]
    return [step(user) for step in steps]


def step_mfa(user: User) -> dict[str, Any]:
    return {"step": "mfa", "done": mfa_enrolled(user), "path": "/portal/mfa/setup"}


def step_storefront(user: User) -> dict[str, Any]:
    from tenant_apps.storefronts.models import Storefront

    return {
        "step": "storefront",
        "done": Storefront.objects.filter(is_active=True).exists(),
        "path": "/api/v1/storefronts",
    }


def step_products(user: User) -> dict[str, Any]:
    from tenant_apps.catalog.models import Product

    return {
        "step": "products",
        "done": Product.objects.filter(is_active=True).exists(),
        "path": "/api/v1/products",
    }
