"""Tax categories and rates. A rate is never edited: a change is a new rate from a date, and the
rate in force until then is closed at that date, so history (and every sale's snapshot) stays."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.audit.services import audit_record
from pos_platform.kernel.money import has_places
from pos_platform.kernel.transactions import retrying
from tenant_apps.taxes.errors import (
    TaxCategoryCodeTaken,
    TaxCategoryNotFound,
    TaxRateEnded,
    TaxRateInvalid,
    TaxRateNotFound,
    TaxRateOverlap,
)
from tenant_apps.taxes.models import TaxCategory, TaxRate

_CODE = re.compile(r"^[A-Z0-9_]{1,16}$")


def _code(code: str) -> str:
    code = code.strip().upper()
    if not _CODE.match(code):
        raise TaxRateInvalid(
            gettext_noop("A tax code is 1 to 16 capital letters, digits or _."), code="tax_code_invalid"
        )
    return code


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 80:
        raise TaxRateInvalid(gettext_noop("Give a name of 1 to 80 characters."), code="tax_name_invalid")
    return name


@retrying
@transaction.atomic
def tax_category_create(*, code: str, name: str, actor: Actor) -> TaxCategory:
    code, name = _code(code), _name(name)
    try:
        with transaction.atomic():
            category = TaxCategory.objects.create(code=code, name=name)
    except IntegrityError as exc:
        raise TaxCategoryCodeTaken() from exc
    audit_record(
        action="tax_category.create",
        actor=actor,
        object_type="tax_category",
        object_id=category.pk,
        details={"code": code, "name": name},
    )
    return category


@retrying
@transaction.atomic
def tax_rate_add(
    *,
    category_id: uuid.UUID,
    code: str,
    name: str,
    rate: Decimal,
    actor: Actor,
    compound: bool = False,
    position: int = 0,
    effective_from: dt.datetime | None = None,
    effective_to: dt.datetime | None = None,
) -> TaxRate:
    """A rate of ``category`` from ``effective_from`` (default now). An open-ended rate of the
    same code in force at that time is closed there (a rate change); any other overlap is
    refused."""
    code, name = _code(code), _name(name)
    if not isinstance(rate, Decimal) or rate < 0 or rate > 100 or not has_places(rate, 4):
        raise TaxRateInvalid(details={"rate": str(rate)})
    effective_from = effective_from or timezone.now()
    if effective_to is not None and effective_to <= effective_from:
        raise TaxRateInvalid(gettext_noop("A rate ends after it starts."), code="tax_period_invalid")
    category = TaxCategory.objects.select_for_update(no_key=True).filter(pk=category_id).first()
    if category is None:
        raise TaxCategoryNotFound(details={"category_id": str(category_id)})
    same = TaxRate.objects.filter(category=category, code=code)
    # The open-ended rate in force at the new start is superseded from there.
    superseded = same.filter(effective_from__lt=effective_from, effective_to__isnull=True).first()
    end = effective_to
    overlapping = same.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=effective_from),
        *([Q(effective_from__lt=end)] if end is not None else []),
    )
    if superseded is not None:
        overlapping = overlapping.exclude(pk=superseded.pk)
    if overlapping.exists():
        raise TaxRateOverlap(details={"code": code})
    if superseded is not None:
        superseded.effective_to = effective_from
        superseded.save(update_fields=["effective_to", "updated_at"])
    new = TaxRate.objects.create(
        category=category,
        code=code,
        name=name,
        rate=rate,
        compound=compound,
        position=position,
        effective_from=effective_from,
        effective_to=effective_to,
    )
    audit_record(
        action="tax_rate.add",
        actor=actor,
        object_type="tax_rate",
        object_id=new.pk,
        details={
            "category": category.code,
            "code": code,
            "rate": str(rate),
            "compound": compound,
            "effective_from": effective_from.isoformat(),
            "effective_to": effective_to.isoformat() if effective_to else None,
            "superseded": str(superseded.pk) if superseded else None,
        },
    )
    return new


@retrying
@transaction.atomic
def tax_rate_end(*, rate_id: uuid.UUID, actor: Actor, effective_to: dt.datetime | None = None) -> TaxRate:
    """Stop a rate from ``effective_to`` (default now), e.g. a levy that is abolished."""
    rate = TaxRate.objects.select_for_update(no_key=True).filter(pk=rate_id).first()
    if rate is None:
        raise TaxRateNotFound()
    effective_to = effective_to or timezone.now()
    if effective_to <= rate.effective_from or (
        rate.effective_to is not None and rate.effective_to <= effective_to
    ):
        raise TaxRateEnded()
    rate.effective_to = effective_to
    rate.save(update_fields=["effective_to", "updated_at"])
    audit_record(
        action="tax_rate.end",
        actor=actor,
        object_type="tax_rate",
        object_id=rate.pk,
        details={"code": rate.code, "effective_to": effective_to.isoformat()},
    )
    return rate
