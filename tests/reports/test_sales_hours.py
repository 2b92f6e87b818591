"""The per-hour sales figures that the database keeps as sales are written equal the sums of the
sales themselves: after voids and refunds, at the edges of the shop's days in its time zone,
after a change of time zone, for offline sales arriving late for a closed day, and after the
deltas are merged."""

from __future__ import annotations

import datetime as dt
import importlib
import uuid
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.utils import timezone

from pos_platform.kernel.actors import Actor
from tenant_apps.reports.models import SalesHour
from tenant_apps.reports.selectors import (
    hours_cover,
    period_summary,
    period_summary_from_sales,
    sales_by_hour,
    sales_by_hour_from_sales,
    sales_trend,
    sales_trend_from_sales,
)
from tenant_apps.reports.services import sales_hours_compact
from tenant_apps.sales.models import Sale
from tenant_apps.sales.services import Origin, RefundLineInput, sale_refund
from tenant_apps.shop.services import business_date
from tests.conftest import Member, Shop
from tests.reports.test_reports import busy_day
from tests.sales.helpers import D, sell, use
from tests.sync.conftest import pair_terminal
from tests.sync.ops import batch, push, refund, results, sale, void

FILL = importlib.import_module("tenant_apps.reports.migrations.0001_sales_hours").FILL


def offline(shop: Shop, at: dt.datetime, *items: tuple[str, object], **kwargs: Any) -> Sale:
    return sell(
        shop,
        *items,
        origin=Origin.terminal(terminal_id=uuid.uuid4(), receipt_number=f"ACC-T9-{uuid.uuid4().hex[:6]}"),
        occurred_at=at,
        **kwargs,
    ).sale


def set_zone(shop: Shop, name: str) -> None:
    shop.tenant.timezone = name
    shop.tenant.save(update_fields=["timezone"])
    use(shop)
    connection.tenant.timezone = name  # type: ignore[attr-defined]


def assert_same_as_sales(shop: Shop, start: dt.date, end: dt.date) -> None:
    """Every reader that the per-hour figures serve answers what the sales themselves answer,
    for the whole shop and for each storefront."""
    for storefront_id in (None, shop.storefront.pk, shop.other_storefront.pk):
        args = {"start": start, "end": end, "storefront_id": storefront_id}
        assert sales_trend(**args) == sales_trend_from_sales(**args)
        assert period_summary(**args) == period_summary_from_sales(**args)
        day = start
        while day <= end:
            assert period_summary(start=day, end=day, storefront_id=storefront_id) == (
                period_summary_from_sales(start=day, end=day, storefront_id=storefront_id)
            )
            assert sales_by_hour(day=day, storefront_id=storefront_id) == (
                sales_by_hour_from_sales(day=day, storefront_id=storefront_id)
            )
            day += dt.timedelta(days=1)


def test_the_figures_equal_the_sales_after_voids_and_refunds_and_after_merging(shop_a: Shop) -> None:
    actor = Actor.of_user(shop_a.owner.user)
    busy_day(shop_a)
    sell(shop_a, ("airtime", 2), storefront_id=shop_a.other_storefront.pk, cashier_id=shop_a.owner.user.pk)
    two_days_ago = timezone.now() - dt.timedelta(days=2)
    old = offline(shop_a, two_days_ago, ("rice", 2), ("soap", 1))
    offline(shop_a, two_days_ago + dt.timedelta(minutes=5), ("water", 4))
    # Today: a refund of the old sale (counts today, not on the sale's day); busy_day voided
    # one of today's sales (left out of today).
    sale_refund(
        sale_id=old.pk, lines=[RefundLineInput(old.lines.get(position=0).pk, D(1))], actor=actor, reason="r"
    )
    today = business_date(timezone.now())
    start = today - dt.timedelta(days=3)

    assert_same_as_sales(shop_a, start, today)
    summary = period_summary(start=today, end=today)
    assert (summary["sales_count"], summary["refunds"]["count"]) == (5, 2)
    assert (
        period_summary(start=business_date(two_days_ago), end=business_date(two_days_ago))["sales_count"] == 2
    )

    rows = SalesHour.objects.count()
    removed = sales_hours_compact()

    assert removed > 0
    assert SalesHour.objects.count() == rows - removed
    assert SalesHour.objects.values("storefront_id", "hour").distinct().count() == rows - removed
    assert_same_as_sales(shop_a, start, today)
    assert sales_hours_compact() == 0  # nothing left to merge
    assert_same_as_sales(shop_a, start, today)


def test_sales_at_the_edges_of_a_day_fall_on_the_shops_day(shop_a: Shop) -> None:
    set_zone(shop_a, "Africa/Nairobi")  # UTC+3: the 11th starts at 21:00 UTC on the 10th
    offline(shop_a, dt.datetime(2025, 1, 10, 20, 59, 59, tzinfo=dt.UTC), ("rice", 1))
    offline(shop_a, dt.datetime(2025, 1, 10, 21, 0, 0, tzinfo=dt.UTC), ("water", 2))
    offline(shop_a, dt.datetime(2025, 1, 11, 20, 59, 59, tzinfo=dt.UTC), ("soap", 1))
    start, end = dt.date(2025, 1, 9), dt.date(2025, 1, 12)

    trend = sales_trend(start=start, end=end)

    assert [(d["date"], d["sales_count"]) for d in trend] == [
        ("2025-01-09", 0),
        ("2025-01-10", 1),
        ("2025-01-11", 2),
        ("2025-01-12", 0),
    ]
    hours = sales_by_hour(day=dt.date(2025, 1, 11))
    assert [(h["hour"], h["sales_count"]) for h in hours if h["sales_count"]] == [(0, 1), (23, 1)]
    assert_same_as_sales(shop_a, start, end)
    # The shop moves west: the same hours make other days, and the figures follow.
    set_zone(shop_a, "Africa/Accra")  # UTC
    assert [d["sales_count"] for d in sales_trend(start=start, end=end)] == [0, 2, 1, 0]
    assert_same_as_sales(shop_a, start, end)


def test_a_zone_whose_days_are_not_whole_utc_hours_is_summed_from_the_sales(shop_a: Shop) -> None:
    set_zone(shop_a, "Asia/Kolkata")  # UTC+5:30: the 11th starts at 18:30 UTC on the 10th
    offline(shop_a, dt.datetime(2025, 1, 10, 18, 29, tzinfo=dt.UTC), ("rice", 1))
    offline(shop_a, dt.datetime(2025, 1, 10, 18, 31, tzinfo=dt.UTC), ("water", 1))
    start, end = dt.date(2025, 1, 10), dt.date(2025, 1, 11)

    assert not hours_cover(start, end)
    assert [d["sales_count"] for d in sales_trend(start=start, end=end)] == [1, 1]
    assert_same_as_sales(shop_a, start, end)
    set_zone(shop_a, "Africa/Lagos")
    assert hours_cover(start, end)


def test_offline_sales_arriving_late_for_a_closed_day_count_on_that_day(
    shop_a: Shop, make_member: Callable[..., Member]
) -> None:
    manager = make_member(shop_a.tenant, "manager", since=timezone.now() - dt.timedelta(days=5))
    till = pair_terminal(shop_a.tenant, shop_a.storefront)
    use(shop_a)
    today = business_date(timezone.now())
    closed = today - dt.timedelta(days=3)
    at = timezone.now() - dt.timedelta(days=3)
    before = period_summary(start=closed, end=closed)
    sales_hours_compact()  # the closed day already merged, as beat leaves it
    first = sale(1, cashier=shop_a.cashier, lines=[(shop_a.products["rice"], "2")], at=at)
    second = sale(
        2, cashier=shop_a.cashier, lines=[(shop_a.products["soap"], "1")], at=at + dt.timedelta(minutes=1)
    )

    assert [r["status"] for r in results(push(till.client, batch(first, second)))] == ["applied", "applied"]
    use(shop_a)
    after = period_summary(start=closed, end=closed)
    assert after["sales_count"] == before["sales_count"] + 2
    assert_same_as_sales(shop_a, closed, today)

    # Later still: the till's void of one, made on its day, and a refund of the other, today.
    later = batch(
        void(3, sale_op=second, by=manager, at=at + dt.timedelta(minutes=2)),
        refund(4, sale_op=first, by=manager, lines=[(0, "1")]),
    )
    assert [r["status"] for r in results(push(till.client, later))] == ["applied", "applied"]
    use(shop_a)
    assert period_summary(start=closed, end=closed)["sales_count"] == before["sales_count"] + 1
    assert period_summary(start=today, end=today)["refunds"]["count"] == 1
    assert_same_as_sales(shop_a, closed, today)
    sales_hours_compact()
    assert_same_as_sales(shop_a, closed, today)


def test_the_migrations_fill_gives_the_figures_the_triggers_keep(shop_a: Shop) -> None:
    busy_day(shop_a)
    offline(shop_a, timezone.now() - dt.timedelta(days=1), ("rice", 3))
    today = business_date(timezone.now())
    kept = sales_trend(start=today - dt.timedelta(days=2), end=today)

    SalesHour.objects.all().delete()
    assert sales_trend(start=today - dt.timedelta(days=2), end=today) != kept
    with connection.cursor() as cursor:
        cursor.execute(FILL)

    assert sales_trend(start=today - dt.timedelta(days=2), end=today) == kept
    assert_same_as_sales(shop_a, today - dt.timedelta(days=2), today)
