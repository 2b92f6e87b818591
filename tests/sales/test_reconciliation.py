"""The sales books check: it passes on books kept by the services and names what is off."""

from __future__ import annotations

from django.utils import timezone

from pos_platform.kernel.actors import Actor
from tenant_apps.sales.models import RefundLine, SaleEvent
from tenant_apps.sales.reconciliation import reconcile_sales
from tenant_apps.sales.services import RefundLineInput, sale_refund
from tests.conftest import Shop
from tests.sales.helpers import D, sell


def refunds_check() -> tuple[bool, list[str]]:
    [check] = [c for c in reconcile_sales() if c.name == "refunds within what was sold"]
    return check.ok, check.problems


def test_refunds_beyond_the_sale_and_a_refunded_sale_voided_are_named(shop_a: Shop) -> None:
    sale = sell(shop_a, ("rice", 2)).sale
    line = sale.lines.get()
    event = sale_refund(
        sale_id=sale.pk,
        lines=[RefundLineInput(line.pk, D(1))],
        actor=Actor.of_user(shop_a.owner.user),
        reason="r",
    )
    assert all(c.ok for c in reconcile_sales())

    # Rows no service would write: one more unit refunded than sold, and a void after the refund.
    RefundLine.objects.create(
        event=event, sale_line=line, quantity=D(2), net=D(0), tax_total=D(0), total=D(0)
    )
    now = timezone.now()
    SaleEvent.objects.create(sale=sale, kind="voided", occurred_at=now, received_at=now, amount=sale.total)

    number = sale.receipt_number
    assert refunds_check() == (
        False,
        [
            f"sale {number} line 1: sold 2.000 for {line.total}, refunded 3.000 for {event.amount}",
            f"sale {number}: voided and refunded",
        ],
    )
