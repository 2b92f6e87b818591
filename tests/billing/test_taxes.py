"""Platform tax rates: append-only, effective from a date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from pos_platform.kernel.errors import ApplicationError
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.billing.models import TaxRate
from shared_apps.billing.selectors import rates_in_effect
from shared_apps.billing.services.taxes import tax_rate_create
from tests.billing.conftest import make_rates


def rates_on(on: date) -> list[tuple[str, Decimal]]:
    return [(r.code, r.rate) for r in rates_in_effect(currency="GHS", on=on)]


def test_the_rate_in_effect_is_the_latest_from_that_day_or_before(db: None) -> None:
    make_rates()
    tax_rate_create(code="vat", name="VAT", rate="20", effective_from=date(2026, 1, 1), actor="tests")
    tax_rate_create(
        code="covid19", name="COVID-19 levy", rate="0", effective_from=date(2026, 1, 1), actor="tests"
    )

    assert rates_on(date(2023, 12, 31)) == []
    assert rates_on(date(2025, 12, 31)) == [
        ("covid19", Decimal("1.0000")),
        ("gateway", Decimal("2.0000")),
        ("getfund", Decimal("2.5000")),
        ("nhil", Decimal("2.5000")),
        ("vat", Decimal("15.0000")),
    ]
    assert dict(rates_on(date(2026, 1, 1)))["vat"] == Decimal("20.0000")
    assert dict(rates_on(date(2026, 1, 1)))["covid19"] == Decimal("0")
    entry = PlatformAuditEntry.objects.filter(action="billing.tax_rate.create").first()
    assert entry is not None
    assert entry.details["rate_percent"] == "0"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"code": "vat", "rate": "16"}, "tax_rate_exists"),  # same code, currency and day
        ({"code": "VAT 2"}, "tax_rate_invalid"),
        ({"code": "levy", "rate": "101"}, "tax_rate_invalid"),
        ({"code": "levy", "rate": "-1"}, "tax_rate_invalid"),
        ({"code": "levy", "rate": "2.00001"}, "tax_rate_invalid"),
        ({"code": "levy", "rate": "abc"}, "tax_rate_invalid"),
        ({"code": "levy", "rate": 2.5}, "tax_rate_invalid"),
        ({"code": "levy", "name": ""}, "tax_rate_invalid"),
        ({"code": "levy", "kind": "discount"}, "tax_rate_invalid"),
        ({"code": "gateway", "effective_from": date(2025, 1, 1)}, "tax_rate_invalid"),  # a charge, not a tax
        ({"code": "levy", "currency": "KWD"}, "currency_invalid"),
    ],
)
def test_bad_rates_are_refused_and_nothing_is_written(db: None, kwargs: dict[str, object], code: str) -> None:
    make_rates()
    before = (list(TaxRate.objects.values_list("pk", flat=True)), PlatformAuditEntry.objects.count())
    args: dict[str, object] = {
        "name": "A levy",
        "rate": "1",
        "effective_from": date(2024, 1, 1),
        "kind": "tax",
        "actor": "tests",
    }
    args.update(kwargs)

    with pytest.raises(ApplicationError) as info:
        tax_rate_create(**args)  # type: ignore[arg-type]

    assert info.value.code == code
    assert (list(TaxRate.objects.values_list("pk", flat=True)), PlatformAuditEntry.objects.count()) == before
