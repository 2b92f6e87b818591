"""Platform tax rates and service charges: append-only, each effective from a date.

A rate change is a new row from the date it applies; ending a levy is a row with rate 0. Issued
invoices keep the rates they were issued with (they snapshot them).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from shared_apps.audit.services import platform_audit_record
from shared_apps.billing.errors import TaxRateExists, TaxRateInvalid
from shared_apps.billing.models import TaxRate
from shared_apps.billing.pricing import percent_text, validate_currency

CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


def _percent(value: Any) -> Decimal:
    if isinstance(value, float | bool):
        raise TaxRateInvalid(details={"rate": str(value)})
    try:
        rate = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise TaxRateInvalid(
            gettext_noop("The rate must be a percentage such as 15 or 2.5."), details={"rate": value}
        ) from exc
    if (
        not rate.is_finite()
        or not Decimal(0) <= rate <= Decimal(100)
        or rate != rate.quantize(Decimal("0.0001"))
    ):
        raise TaxRateInvalid(
            gettext_noop("The rate is a percentage from 0 to 100 with at most 4 decimals."),
            details={"rate": str(value)},
        )
    return rate.quantize(Decimal("0.0001"))


@transaction.atomic
def tax_rate_create(
    *,
    code: str,
    name: str,
    rate: Any,
    effective_from: date,
    actor: str,
    currency: str = "GHS",
    kind: str = TaxRate.Kind.TAX,
) -> TaxRate:
    currency = validate_currency(currency)
    code = (code or "").strip().lower()
    name = (name or "").strip()
    if not CODE_RE.match(code):
        raise TaxRateInvalid(
            gettext_noop(
                "A code is 1 to 32 lower-case letters, digits and underscores, starting with a letter."
            ),
            details={"code": code},
        )
    if not 1 <= len(name) <= 100:
        raise TaxRateInvalid(gettext_noop("A name is 1 to 100 characters."), details={"name": name})
    if kind not in TaxRate.Kind.values:
        raise TaxRateInvalid(
            gettext_noop("The kind is one of %(join)s."),
            details={"kind": kind},
            params={"join": ", ".join(TaxRate.Kind.values)},
        )
    if not isinstance(effective_from, date):
        raise TaxRateInvalid(
            gettext_noop("The rate needs the date it applies from."),
            details={"effective_from": effective_from},
        )
    percent = _percent(rate)
    earlier = TaxRate.objects.filter(currency=currency, code=code).exclude(kind=kind).first()
    if earlier is not None:
        raise TaxRateInvalid(
            gettext_noop("%(code)s is a %(kind)s in %(currency)s; a code keeps its kind."),
            details={"kind": kind},
            params={"code": code, "kind": earlier.kind, "currency": currency},
        )
    try:
        with transaction.atomic():
            tax_rate = TaxRate.objects.create(
                currency=currency,
                code=code,
                name=name,
                kind=kind,
                rate=percent,
                effective_from=effective_from,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise TaxRateExists(
            details={"currency": currency, "code": code, "effective_from": effective_from.isoformat()}
        ) from exc
    platform_audit_record(
        actor=actor,
        action="billing.tax_rate.create",
        details={
            "currency": currency,
            "code": code,
            "name": name,
            "kind": kind,
            "rate_percent": percent_text(percent),
            "effective_from": effective_from.isoformat(),
        },
    )
    return tax_rate
