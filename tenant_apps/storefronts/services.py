"""Storefront writes. Every change to the set of active storefronts runs the hooks listed in
``settings.POS_STOREFRONT_HOOKS`` after commit (billing recounts the tenant's storefronts)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.module_loading import import_string

from tenant_apps.storefronts.errors import StorefrontCodeInvalid, StorefrontCodeTaken
from tenant_apps.storefronts.models import Storefront

_CODE = re.compile(r"^[A-Z0-9]{2,8}$")


def storefronts_changed() -> None:
    """Schedule the storefront hooks for the current tenant, after the transaction commits."""
    tenant = getattr(connection, "tenant", None)
    tenant_id = getattr(tenant, "pk", None)
    if tenant_id is None:
        return
    for path in getattr(settings, "POS_STOREFRONT_HOOKS", []):
        hook: Callable[..., object] = import_string(path)
        transaction.on_commit(partial(hook, tenant_id=tenant_id))


@transaction.atomic
def storefront_create(*, code: str, name: str) -> Storefront:
    code = code.strip().upper()
    if not _CODE.match(code):
        raise StorefrontCodeInvalid()
    try:
        with transaction.atomic():
            storefront = Storefront.objects.create(code=code, name=name.strip())
    except IntegrityError as exc:
        raise StorefrontCodeTaken() from exc
    storefronts_changed()
    return storefront


@transaction.atomic
def storefront_update(*, storefront_id: uuid.UUID | str, name: str | None = None) -> Storefront:
    storefront = Storefront.objects.select_for_update().get(pk=storefront_id)
    if name is not None:
        storefront.name = name.strip()
        storefront.save(update_fields=["name", "updated_at"])
    return storefront


@transaction.atomic
def storefront_set_active(*, storefront_id: uuid.UUID | str, active: bool) -> Storefront:
    """Deactivate or reactivate a storefront; its data is kept either way."""
    storefront = Storefront.objects.select_for_update().get(pk=storefront_id)
    if storefront.is_active != active:
        storefront.is_active = active
        storefront.save(update_fields=["is_active", "updated_at"])
        storefronts_changed()
    return storefront
