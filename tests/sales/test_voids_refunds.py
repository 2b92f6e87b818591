"""Voids and refunds: events in the sale's log, stock back, never more than sold."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.errors import ApplicationError
from tenant_apps.inventory.models import StockMovement
from tenant_apps.sales.models import RefundLine, Sale, SaleEvent
from tenant_apps.sales.selectors import sale_get
from tenant_apps.sales.services import RefundLineInput, sale_refund, sale_void
from tenant_apps.shifts.services import shift_close, shift_open
from tenant_apps.taxes.models import TaxRate
from tenant_apps.taxes.services import tax_rate_add
from tests.conftest import Shop
from tests.sales.helpers import D, counts, level, sell, use


def actor(shop: Shop) -> Actor:
    return Actor.of_user(shop.owner.user)


def refund(shop: Shop, sale: Sale, *qty: tuple[int, object], **kwargs: Any) -> SaleEvent:
    lines = list(sale.lines.order_by("position"))
    return sale_refund(
        sale_id=sale.pk,
        lines=[RefundLineInput(lines[i].pk, D(q)) for i, q in qty],
        actor=actor(shop),
        reason=kwargs.pop("reason", "Customer returned it"),
        **kwargs,
    )


def status(sale: Sale) -> str:
    from tenant_apps.sales.apis import stored_data

    return stored_data(sale_get(sale_id=sale.pk))["status"]  # type: ignore[arg-type]


def test_void_puts_everything_back_and_the_status_follows_the_events(shop_a: Shop) -> None:
    sale = sell(shop_a, ("rice", 3), ("airtime", 1)).sale

    event = sale_void(sale_id=sale.pk, actor=actor(shop_a), reason="Wrong item")

    assert (event.kind, event.amount, event.reason) == ("voided", sale.total, "Wrong item")
    assert level(shop_a, "rice") == D(100)
    assert StockMovement.objects.filter(sale_event=event).values_list("kind", "quantity").get() == (
        "void",
        D(3),
    )
    assert status(sale) == "voided"
    with pytest.raises(ApplicationError) as error:
        sale_void(sale_id=sale.pk, actor=actor(shop_a), reason="again")
    assert error.value.code == "sale_voided"


def test_void_is_refused_after_the_shift_closes_and_after_a_refund(shop_a: Shop) -> None:
    shift = shift_open(
        storefront_id=shop_a.storefront.pk,
        cashier_id=shop_a.cashier.user.pk,
        opening_float=D(0),
        actor=actor(shop_a),
    )
    in_shift = sell(shop_a, ("rice", 1)).sale
    shift_close(shift_id=shift.pk, counted={"cash": D(25)}, actor=actor(shop_a))
    refunded = sell(shop_a, ("rice", 1)).sale
    refund(shop_a, refunded, (0, 1))
    before = counts()

    for sale, code in ((in_shift, "shift_closed"), (refunded, "sale_has_refunds")):
        with pytest.raises(ApplicationError) as error:
            sale_void(sale_id=sale.pk, actor=actor(shop_a), reason="late")
        assert error.value.code == code
    assert counts() == before


def test_a_sale_outside_a_shift_can_be_voided_only_on_its_shop_day(shop_a: Shop) -> None:
    from tenant_apps.sales.services import Origin

    old = sell(
        shop_a,
        ("rice", 1),
        origin=Origin.terminal(terminal_id=uuid.uuid4(), receipt_number="ACC-T1-1"),
        occurred_at=timezone.now() - dt.timedelta(days=2),
    ).sale
    today = sell(shop_a, ("rice", 1)).sale
    before = counts()

    with pytest.raises(ApplicationError) as error:
        sale_void(sale_id=old.pk, actor=actor(shop_a), reason="late")

    assert error.value.code == "void_window_closed"
    assert counts() == before
    assert sale_void(sale_id=today.pk, actor=actor(shop_a), reason="same day").kind == "voided"


def test_partial_refunds_add_up_and_never_exceed_what_was_sold(shop_a: Shop) -> None:
    sale = sell(shop_a, ("rice", 3), ("water", 2)).sale
    line_total = sale.lines.get(position=0).total

    first = refund(shop_a, sale, (0, 1), restock=False)
    assert status(sale) == "partially_refunded"
    second = refund(shop_a, sale, (0, 2), (1, 2))
    before = counts()
    with pytest.raises(ApplicationError) as error:
        refund(shop_a, sale, (0, 1))

    assert error.value.code == "refund_exceeds_sold"
    assert error.value.details["refunded"] == "3.000"
    assert counts() == before
    assert first.amount + second.amount == sale.total
    assert sum(RefundLine.objects.filter(sale_line__position=0).values_list("total", flat=True)) == line_total
    assert status(sale) == "refunded"
    # Restocked only what the second refund took back.
    assert (level(shop_a, "rice"), level(shop_a, "water")) == (D(99), D(100))


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"lines": []}, "sale_invalid"),
        ({"lines": [RefundLineInput(uuid.uuid4(), D(1))]}, "refund_line_unknown"),
        ({"reason": " "}, "reason_required"),
        ({"payment_method": "gold"}, "payment_method_unknown"),
    ],
)
def test_bad_refunds_are_refused(shop_a: Shop, kwargs: dict[str, Any], code: str) -> None:
    sale = sell(shop_a, ("rice", 1)).sale
    line = sale.lines.get()
    before = counts()
    arguments: dict[str, Any] = {"lines": [RefundLineInput(line.pk, D(1))], "reason": "r", **kwargs}

    with pytest.raises(ApplicationError) as error:
        sale_refund(sale_id=sale.pk, actor=actor(shop_a), **arguments)

    assert error.value.code == code
    assert counts() == before


def test_tax_snapshot_survives_a_rate_change(shop_a: Shop) -> None:
    sale = sell(shop_a, ("rice", 4)).sale
    snapshot = list(Sale.objects.get(pk=sale.pk).tax_breakdown)
    vat = TaxRate.objects.get(code="VAT", effective_to__isnull=True)

    tax_rate_add(
        category_id=vat.category_id, code="VAT", name="VAT", rate=D("20"), compound=True, actor=actor(shop_a)
    )
    after = sell(shop_a, ("rice", 4)).sale
    refund_event = refund(shop_a, sale, (0, 4))

    assert Sale.objects.get(pk=sale.pk).tax_breakdown == snapshot
    assert [t["rate"] for t in snapshot if t["code"] == "VAT"] == ["15.0000"]
    assert [t["rate"] for t in after.tax_breakdown if t["code"] == "VAT"] == ["20.0000"]
    # The refund returns the tax the sale charged, not today's.
    assert refund_event.tax == sale.tax_total
    assert after.tax_total != sale.tax_total


def test_sale_rows_and_events_are_append_only_in_the_database(shop_a: Shop) -> None:
    from django.db import transaction
    from django.db.utils import IntegrityError

    sale = sell(shop_a, ("rice", 1)).sale
    for sql in (
        "UPDATE sales_sale SET total = 0",
        "DELETE FROM sales_event",
        "UPDATE inventory_movement SET quantity = 5",
        "DELETE FROM inventory_movement",
        "UPDATE sales_line SET total = 0",
    ):
        with (
            pytest.raises(IntegrityError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as c,
        ):
            c.execute(sql)
    assert Sale.objects.get(pk=sale.pk).total == sale.total


@pytest.mark.parametrize("kind", ["created", "voided"])
def test_a_sale_has_one_created_and_at_most_one_voided_event_in_the_database(shop_a: Shop, kind: str) -> None:
    from django.db import transaction
    from django.db.utils import IntegrityError

    sale = sell(shop_a, ("rice", 1)).sale
    sale_void(sale_id=sale.pk, actor=actor(shop_a), reason="Wrong item")
    before = SaleEvent.objects.filter(sale=sale).count()

    with (
        pytest.raises(IntegrityError, match=f"sale_event_one_{'void' if kind == 'voided' else kind}"),
        transaction.atomic(),
    ):
        SaleEvent.objects.create(
            sale=sale,
            kind=kind,
            occurred_at=timezone.now(),
            received_at=timezone.now(),
            amount=0,
            net=0,
            tax=0,
        )

    assert SaleEvent.objects.filter(sale=sale).count() == before


# --------------------------------------------------------------------------------------------
# API
# --------------------------------------------------------------------------------------------


def test_void_and_refund_over_the_api(shop_a: Shop, make_member) -> None:
    manager = make_member(shop_a.tenant, "manager", storefront_id=shop_a.storefront.pk)
    sale = sell(shop_a, ("rice", 2)).sale
    line = sale.lines.get()

    refused = shop_a.cashier.client.post(f"/api/v1/sales/{sale.pk}/void", {"reason": "x"}, format="json")
    refunded = manager.client.post(
        f"/api/v1/sales/{sale.pk}/refunds",
        {"lines": [{"sale_line_id": str(line.pk), "quantity": "1"}], "reason": "Torn", "restock": False},
        format="json",
        HTTP_IDEMPOTENCY_KEY="r1",
    )
    replay = manager.client.post(
        f"/api/v1/sales/{sale.pk}/refunds",
        {"lines": [{"sale_line_id": str(line.pk), "quantity": "1"}], "reason": "Torn", "restock": False},
        format="json",
        HTTP_IDEMPOTENCY_KEY="r1",
    )

    assert (refused.status_code, refused.json()["code"]) == (403, "permission_denied")
    assert not SaleEvent.objects.filter(kind="voided").exists()
    assert refunded.status_code == 201, refunded.json()
    assert refunded.json()["status"] == "partially_refunded"
    assert [e["kind"] for e in refunded.json()["events"]] == ["created", "refunded"]
    assert replay.json() == refunded.json()
    assert SaleEvent.objects.filter(kind="refunded").count() == 1


@pytest.mark.parametrize(
    ("data", "status_code", "code"),
    [
        ({"reason": "x", "lines": [{"sale_line_id": "LINE", "quantity": "3"}]}, 409, "refund_exceeds_sold"),
        ({"reason": "x", "lines": [{"sale_line_id": "LINE", "quantity": "-1"}]}, 400, "invalid"),
        ({"reason": "x", "lines": [{"sale_line_id": "LINE", "quantity": "one"}]}, 400, "invalid"),
        (
            {"reason": "x", "lines": [{"sale_line_id": str(uuid.uuid4()), "quantity": "1"}]},
            400,
            "refund_line_unknown",
        ),
        ({"lines": [{"sale_line_id": "LINE", "quantity": "1"}]}, 400, "invalid"),
        ({"reason": "x", "lines": []}, 400, "invalid"),
        (
            {"reason": "x", "lines": [{"sale_line_id": "LINE", "quantity": "1"}], "payment_method": "x"},
            400,
            "payment_method_unknown",
        ),
    ],
)
def test_bad_refund_requests(shop_a: Shop, data: dict[str, Any], status_code: int, code: str) -> None:
    sale = sell(shop_a, ("rice", 2)).sale
    for line in data.get("lines", []):
        if line["sale_line_id"] == "LINE":
            line["sale_line_id"] = str(sale.lines.get().pk)
    before = counts()

    response = shop_a.owner.client.post(f"/api/v1/sales/{sale.pk}/refunds", data, format="json")

    assert (response.status_code, response.json()["code"]) == (status_code, code), response.json()
    assert counts() == before


def test_void_requests_bad_input_and_other_tenant(shop_a: Shop, shop_b: Shop) -> None:
    use(shop_a)
    sale = sell(shop_a, ("rice", 1)).sale
    before = counts()

    no_reason = shop_a.owner.client.post(f"/api/v1/sales/{sale.pk}/void", {}, format="json")
    unknown = shop_a.owner.client.post(f"/api/v1/sales/{uuid.uuid4()}/void", {"reason": "x"}, format="json")
    foreign = shop_b.owner.client.post(
        f"/api/v1/sales/{sale.pk}/refunds", {"reason": "x", "lines": []}, format="json"
    )

    use(shop_a)
    assert (no_reason.status_code, no_reason.json()["code"]) == (400, "invalid")
    assert (unknown.status_code, unknown.json()["code"]) == (404, "sale_not_found")
    assert foreign.status_code == 404
    assert counts() == before


def test_list_totals_leave_voided_sales_out_and_take_refunds_off(shop_a: Shop) -> None:
    from tenant_apps.sales.selectors import sale_list, sale_totals

    kept = sell(shop_a, ("rice", 2)).sale
    refunded = sell(shop_a, ("rice", 1), ("airtime", 1)).sale
    voided = sell(shop_a, ("rice", 3)).sale
    back = refund(shop_a, refunded, (0, 1))
    sale_void(sale_id=voided.pk, actor=actor(shop_a), reason="Wrong item")

    figures = sale_totals(sale_list())

    assert figures == {
        "count": 3,
        "voided": 1,
        "total": kept.total + refunded.total,
        "tax": kept.tax_total + refunded.tax_total,
        "refunded": back.amount,
        "net": kept.total + refunded.total - back.amount,
    }
    assert back.amount > 0
    assert voided.total > 0
    # A filter that keeps the voided sale alone: its figures are out of the sums, not the count.
    only_voided = sale_totals(sale_list(status="voided"))
    assert (only_voided["count"], only_voided["voided"], only_voided["total"], only_voided["net"]) == (
        1,
        1,
        D(0),
        D(0),
    )
