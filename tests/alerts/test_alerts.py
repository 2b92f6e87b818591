"""Low stock alerts and the daily summary: to the shop's managers within their storefront, at
most once per product and storefront per day, batched; the summary once after closing time."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from shared_apps.messaging.models import Message
from shared_apps.messaging.services import messages_sweep, preference_update, shop_messaging_update
from tenant_apps.alerts.models import LowStockNotice
from tenant_apps.alerts.services import daily_summary_send, low_stock_alerts_send
from tests.conftest import Shop
from tests.messaging.servers import AfricasTalkingServer, SmtpServer
from tests.sales.helpers import sell

ACCRA = ZoneInfo("Africa/Accra")


def told(kind: str = "low_stock") -> dict[str, int]:
    out: dict[str, int] = {}
    for m in Message.objects.filter(kind=kind):
        out[m.to] = out.get(m.to, 0) + 1
    return out


def test_a_product_below_its_reorder_level_is_told_once_a_day_in_one_message(
    shop_a: Shop, make_member: Any, smtp: SmtpServer
) -> None:
    manager = make_member(shop_a.tenant, "manager", storefront_id=shop_a.storefront.pk)
    elsewhere = make_member(shop_a.tenant, "manager", storefront_id=shop_a.other_storefront.pk)
    sell(shop_a, ("rice", 96), ("soap", 97))  # 4 and 3 left, reorder at 5

    assert low_stock_alerts_send() == 2
    assert low_stock_alerts_send() == 0
    people = told()
    assert people == {shop_a.owner.user.email: 1, "owner@alpha.test": 1, manager.user.email: 1}
    assert elsewhere.user.email not in people
    assert shop_a.cashier.user.email not in people

    sell(shop_a, ("water", 99))  # a third product falls: a new message with it alone
    assert low_stock_alerts_send() == 1
    assert told()[manager.user.email] == 2
    assert LowStockNotice.objects.count() == 3

    messages_sweep()
    first, second = (m.text for m in smtp.to(manager.user.email))
    assert "Rice (RICE) · Accra Central: 4 left, reorder at 5" in first
    assert "Soap (SOAP) · Accra Central: 3 left, reorder at 5" in first
    assert "Water" not in first
    assert "Water (WATER)" in second
    assert "Rice" not in second
    subject = smtp.to(manager.user.email)[0].message["Subject"]
    assert subject == "Alpha: 2 products are low on stock"


def test_the_next_shop_day_tells_again(shop_a: Shop) -> None:
    sell(shop_a, ("rice", 96))
    now = timezone.now()
    assert low_stock_alerts_send(now=now) == 1
    assert low_stock_alerts_send(now=now + dt.timedelta(days=1)) == 1
    assert low_stock_alerts_send(now=now + dt.timedelta(days=1)) == 0


def test_alerts_respect_the_shop_and_the_person(shop_a: Shop, owner_a: Any, at: AfricasTalkingServer) -> None:
    sell(shop_a, ("rice", 96))
    preference_update(user_id=owner_a.pk, tenant_id=shop_a.tenant.pk, muted=["stock"])
    preference_update(
        user_id=shop_a.owner.user.pk, tenant_id=None, channel="sms", phone="+233241234567", language="fr"
    )
    assert low_stock_alerts_send() == 1
    assert told() == {"+233241234567": 1}
    messages_sweep()
    assert at.accepted[0]["message"] == "Stock bas chez Alpha : Rice 4"

    shop_messaging_update(tenant_id=shop_a.tenant.pk, low_stock_alerts=False)
    sell(shop_a, ("soap", 96))
    assert low_stock_alerts_send() == 0


def test_the_daily_summary_goes_once_after_closing_time(shop_a: Shop, smtp: SmtpServer) -> None:
    shop_messaging_update(tenant_id=shop_a.tenant.pk, closing_time=dt.time(19, 0))
    sell(shop_a, ("rice", 2))
    today = timezone.localtime(timezone.now(), ACCRA).date()
    before = dt.datetime.combine(today, dt.time(18, 59), tzinfo=ACCRA)
    after = dt.datetime.combine(today, dt.time(19, 1), tzinfo=ACCRA)

    assert daily_summary_send(now=before) is False
    assert daily_summary_send(now=after) is True
    assert daily_summary_send(now=after + dt.timedelta(hours=2)) is False
    assert told("daily_summary") == {shop_a.owner.user.email: 1, "owner@alpha.test": 1}

    messages_sweep()
    [mail] = smtp.to(shop_a.owner.user.email)
    assert mail.message["Subject"] == f"Alpha: the day of {today.isoformat()}"
    assert "Sales: 1 · GHS50.00" in mail.text
    assert "Open conflicts: 0" in mail.text


@pytest.mark.parametrize("enabled", [False])
def test_no_summary_when_the_shop_turned_it_off(shop_a: Shop, enabled: bool) -> None:
    shop_messaging_update(tenant_id=shop_a.tenant.pk, daily_summary=enabled, closing_time=dt.time(0, 0))
    assert daily_summary_send() is False
    assert not Message.objects.filter(kind="daily_summary").exists()
