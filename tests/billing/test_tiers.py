"""Pricing tiers: contiguous coverage from 1 storefront, refused overlaps and gaps, in the service
and in the database."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from pos_platform.kernel.errors import ApplicationError
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.billing.models import PricingTier
from shared_apps.billing.services.tiers import tier_create
from tests.billing.conftest import make_tiers


def tiers_state() -> list[tuple[str, int, int | None, Decimal, bool]]:
    return list(
        PricingTier.objects.order_by("currency", "min_storefronts", "pk").values_list(
            "currency", "min_storefronts", "max_storefronts", "base_price", "is_active"
        )
    )


def create(**kwargs: object) -> PricingTier:
    args: dict[str, object] = {"base_price": "100", "price_per_additional": "10", "actor": "tests"}
    args.update(kwargs)
    return tier_create(**args)  # type: ignore[arg-type]


def test_tiers_cover_one_storefront_up_without_gaps(db: None) -> None:
    tiers = make_tiers()

    assert [(t.min_storefronts, t.max_storefronts) for t in tiers] == [(1, 3), (4, 10), (11, None)]
    assert tiers[0].base_price == Decimal("180.00")
    entry = PlatformAuditEntry.objects.filter(action="billing.tier.create").first()
    assert entry is not None
    assert entry.actor == "tests"
    assert entry.details["tier"]["min_storefronts"] == 11


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"min_storefronts": 3, "max_storefronts": 5}, "tier_overlap"),
        ({"min_storefronts": 11, "max_storefronts": None}, "tier_overlap"),
        ({"min_storefronts": 1, "max_storefronts": None}, "tier_overlap"),
        ({"min_storefronts": 0, "max_storefronts": 2}, "tier_invalid"),
        ({"min_storefronts": 5, "max_storefronts": 4}, "tier_invalid"),
        ({"min_storefronts": "5", "max_storefronts": 6}, "tier_invalid"),
        ({"min_storefronts": 1, "max_storefronts": 2, "base_price": "1.005"}, "amount_invalid"),
        ({"min_storefronts": 1, "max_storefronts": 2, "price_per_additional": "-5"}, "amount_invalid"),
        ({"min_storefronts": 1, "max_storefronts": 2, "currency": "ZZZ"}, "currency_invalid"),
    ],
)
def test_bad_or_overlapping_tiers_are_refused_and_nothing_is_written(
    db: None, kwargs: dict[str, object], code: str
) -> None:
    make_tiers()
    before = (tiers_state(), PlatformAuditEntry.objects.count())

    with pytest.raises(ApplicationError) as info:
        create(**kwargs)

    assert info.value.code == code
    assert (tiers_state(), PlatformAuditEntry.objects.count()) == before


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        ([], (2, 5)),  # must start at 1
        ([(1, 3)], (5, 9)),  # 4 is missing
    ],
)
def test_gaps_are_refused(db: None, existing: list[tuple[int, int]], new: tuple[int, int]) -> None:
    for low, high in existing:
        create(min_storefronts=low, max_storefronts=high)
    before = tiers_state()

    with pytest.raises(ApplicationError) as info:
        create(min_storefronts=new[0], max_storefronts=new[1])

    assert info.value.code == "tier_gap"
    assert tiers_state() == before


def test_tiers_of_another_currency_are_independent(db: None) -> None:
    make_tiers()

    tier = create(min_storefronts=1, max_storefronts=None, currency="KES", base_price="2500")

    assert tier.currency == "KES"
    assert PricingTier.objects.filter(is_active=True).count() == 4


def test_replace_retires_the_tiers_it_covers_for_a_price_change(db: None) -> None:
    old = make_tiers()

    new = create(
        min_storefronts=4, max_storefronts=10, base_price="320", price_per_additional="55", replace=True
    )

    old[1].refresh_from_db()
    assert (old[1].is_active, old[1].retired_at is not None) == (False, True)
    active = PricingTier.objects.filter(currency="GHS", is_active=True).order_by("min_storefronts")
    assert list(active) == [old[0], new, old[2]]
    entry = PlatformAuditEntry.objects.filter(action="billing.tier.create").first()
    assert entry is not None
    assert [t["id"] for t in entry.details["retired"]] == [old[1].pk]


def test_replace_that_would_leave_a_gap_is_refused(db: None) -> None:
    make_tiers()
    before = tiers_state()

    with pytest.raises(ApplicationError) as info:
        create(min_storefronts=4, max_storefronts=8, replace=True)

    assert info.value.code == "tier_gap"
    assert tiers_state() == before


def test_the_database_refuses_overlapping_active_tiers(db: None) -> None:
    make_tiers()

    with pytest.raises(IntegrityError), transaction.atomic():
        PricingTier.objects.create(
            currency="GHS", min_storefronts=2, max_storefronts=2, base_price=1, price_per_additional=0
        )
    # A retired tier may overlap: history is kept.
    with transaction.atomic():
        PricingTier.objects.create(
            currency="GHS",
            min_storefronts=2,
            max_storefronts=2,
            base_price=1,
            price_per_additional=0,
            is_active=False,
            retired_at="2025-01-01T00:00Z",
        )


def test_the_database_refuses_a_gap_when_the_transaction_commits(db: None) -> None:
    make_tiers()

    with transaction.atomic():
        PricingTier.objects.filter(currency="GHS", min_storefronts=4).update(
            is_active=False, retired_at=timezone.now()
        )
        # Deferred to commit; the test's transaction never commits, so ask for the check now.
        with pytest.raises(IntegrityError, match="without a gap"), connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS billing_tiers_contiguous IMMEDIATE")
        transaction.set_rollback(True)
    assert PricingTier.objects.filter(currency="GHS", is_active=True).count() == 3
