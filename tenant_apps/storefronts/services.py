"""Storefront writes. Every change to the set of active storefronts runs the hooks listed in
``settings.POS_STOREFRONT_HOOKS`` after commit (billing recounts the tenant's storefronts)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.services import audit_record
from pos_platform.kernel.transactions import retrying
from tenant_apps.storefronts.errors import StorefrontCodeInvalid, StorefrontCodeTaken, StorefrontNotFound
from tenant_apps.storefronts.models import Storefront

_CODE = re.compile(r"^[A-Z0-9]{2,8}$")


def storefronts_changed() -> None:
    """Schedule the storefront hooks for the current tenant, after the transaction commits."""
    tenant = getattr(connection, "tenant", None)
    tenant_id = getattr(tenant, "pk", None)
    if tenant_id is None:
        return
    for path in getattr(settings, "POS_STOREFRONT_HOOKS", []):
        hook = import_string(path)

        def run(hook: Any = hook) -> None:
            hook(tenant_id=tenant_id)

        transaction.on_commit(run)


def _audit(actor: Actor | None, action: str, storefront: Storefront, details: dict[str, object]) -> None:
    audit_record(
        action=action,
        actor=actor or Actor.system("storefronts"),
        object_type="storefront",
        object_id=storefront.pk,
        storefront_id=storefront.pk,
        details=details,
    )


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 120:
        raise StorefrontCodeInvalid(
            gettext_noop("A storefront name is 1 to 120 characters."), code="storefront_name_invalid"
        )
    return name


def _lock(storefront_id: Any) -> Storefront:
    storefront = Storefront.objects.select_for_update(no_key=True).filter(pk=storefront_id).first()
    if storefront is None:
        raise StorefrontNotFound()
    return storefront


@retrying
@transaction.atomic
def storefront_create(*, code: str, name: str, actor: Actor | None = None) -> Storefront:
    code = code.strip().upper()
    if not _CODE.match(code):
        raise StorefrontCodeInvalid()
    name = _name(name)
    try:
        with transaction.atomic():
            storefront = Storefront.objects.create(code=code, name=name)
    except IntegrityError as exc:
        raise StorefrontCodeTaken() from exc
    _audit(actor, "storefront.create", storefront, {"code": code, "name": name})
    storefronts_changed()
    return storefront


@retrying
@transaction.atomic
def storefront_update(
    *,
    storefront_id: object,
    name: str | None = None,
    is_active: bool | None = None,
    actor: Actor | None = None,
) -> Storefront:
    """Rename, close or reopen a storefront; its data is kept either way."""
    storefront = _lock(storefront_id)
    changed: list[str] = []
    if name is not None and (name := _name(name)) != storefront.name:
        _audit(actor, "storefront.update", storefront, {"name": {"from": storefront.name, "to": name}})
        storefront.name = name
        changed.append("name")
    if is_active is not None and is_active != storefront.is_active:
        storefront.is_active = is_active
        changed.append("is_active")
        _audit(actor, "storefront.activate" if is_active else "storefront.deactivate", storefront, {})
        storefronts_changed()
    if changed:
        storefront.save(update_fields=[*changed, "updated_at"])
    return storefront


def storefront_set_active(*, storefront_id: object, active: bool, actor: Actor | None = None) -> Storefront:
    """Deactivate or reactivate a storefront; its data is kept either way."""
    return storefront_update(storefront_id=storefront_id, is_active=active, actor=actor)
