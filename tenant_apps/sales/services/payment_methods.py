"""The shop's payment methods (cash, mobile money, card, ...)."""

from __future__ import annotations

import re
import uuid

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.services import audit_record
from pos_platform.kernel.errors import NotFound
from tenant_apps.sales.errors import PaymentMethodCodeTaken, SaleInvalid
from tenant_apps.sales.models import PaymentMethod

_CODE = re.compile(r"^[a-z0-9_]{1,32}$")


def _audit(method: PaymentMethod, actor: Actor, action: str, details: dict[str, object]) -> None:
    audit_record(
        action=action,
        actor=actor,
        object_type="payment_method",
        object_id=method.pk,
        details=details,
    )


@transaction.atomic
def payment_method_create(
    *, code: str, name: str, kind: str, actor: Actor, position: int = 0
) -> PaymentMethod:
    code = code.strip().lower()
    if not _CODE.match(code):
        raise SaleInvalid(
            gettext_noop("A payment method code is 1 to 32 lower-case letters, digits or _."), code="invalid"
        )
    if kind not in PaymentMethod.Kind.values:
        raise SaleInvalid(
            gettext_noop("The kind is one of: %(join)s."),
            code="invalid",
            params={"join": ", ".join(PaymentMethod.Kind.values)},
        )
    name = name.strip()
    if not name or len(name) > 80:
        raise SaleInvalid(gettext_noop("Give a name of 1 to 80 characters."), code="invalid")
    try:
        with transaction.atomic():
            method = PaymentMethod.objects.create(code=code, name=name, kind=kind, position=position)
    except IntegrityError as exc:
        raise PaymentMethodCodeTaken() from exc
    _audit(method, actor, "payment_method.create", {"code": code, "name": name, "kind": kind})
    return method


@transaction.atomic
def payment_method_update(
    *,
    payment_method_id: uuid.UUID,
    actor: Actor,
    name: str | None = None,
    is_active: bool | None = None,
    position: int | None = None,
) -> PaymentMethod:
    method = PaymentMethod.objects.select_for_update().filter(pk=payment_method_id).first()
    if method is None:
        raise NotFound()
    changes: dict[str, object] = {}
    if name is not None:
        name = name.strip()
        if not name or len(name) > 80:
            raise SaleInvalid(gettext_noop("Give a name of 1 to 80 characters."), code="invalid")
    for field, value in (("name", name), ("is_active", is_active), ("position", position)):
        if value is not None and getattr(method, field) != value:
            changes[field] = {"from": getattr(method, field), "to": value}
            setattr(method, field, value)
    if changes:
        method.save(update_fields=[*changes, "updated_at"])
        _audit(method, actor, "payment_method.update", changes)
    return method
