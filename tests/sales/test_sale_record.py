"""sale_record: the rules for online sales and for sales uploaded by terminals."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.utils import timezone

from pos_platform.kernel.actors import Actor
from pos_platform.kernel.errors import ApplicationError
from shared_apps.accounts.models import Membership
from tenant_apps.catalog.services import price_set, product_update
from tenant_apps.sales.models import Sale
from tenant_apps.sales.services import ClientTotals, Origin, PaymentInput, SaleLineInput, sale_record
from tenant_apps.shop.services import shop_settings_update
from tests.conftest import Shop
from tests.sales.helpers import D, counts, level, sell


def test_an_online_sale_is_priced_taxed_paid_and_takes_stock(shop_a: Shop) -> None:
    recorded = sell(shop_a, ("rice", 2), ("water", 3), pay=[PaymentInput("cash", D("100.00"))])

    sale = Sale.objects.get(pk=recorded.sale.pk)
    assert (sale.subtotal, sale.total, sale.paid_total, sale.change_total) == (
        D("54.50"),
        D("54.50"),
        D("54.50"),
        D("45.50"),
    )
    assert sale.net_total + sale.tax_total == sale.total
    assert [t["code"] for t in sale.tax_breakdown] == ["NHIL", "GETFUND", "COVID", "VAT"]
    assert sale.receipt_number.startswith("ACC-")
    assert sale.receipt_number.endswith("-0001")
    assert (level(shop_a, "rice"), level(shop_a, "water")) == (D(98), D(97))
    assert recorded.conflicts == []
    assert sale.events.get().kind == "created"


def test_untracked_products_take_no_stock(shop_a: Shop) -> None:
    before = counts()

    sell(shop_a, ("airtime", 4))

    assert counts()["movements"] == before["movements"]


def test_receipt_numbers_run_gap_free_per_storefront_even_after_a_refused_sale(shop_a: Shop) -> None:
    first = sell(shop_a, ("rice", 1)).sale.receipt_number
    with pytest.raises(ApplicationError):
        sell(shop_a, ("rice", 1000))
    second = sell(shop_a, ("rice", 1)).sale.receipt_number

    assert (first[-4:], second[-4:]) == ("0001", "0002")


def test_online_sale_below_zero_is_409_with_the_available_quantity_and_writes_nothing(shop_a: Shop) -> None:
    before = counts()

    with pytest.raises(ApplicationError) as error:
        sell(shop_a, ("rice", 101))

    assert error.value.code == "insufficient_stock"
    assert error.value.status == 409
    [shortage] = error.value.details["shortages"]
    assert (shortage["available"], shortage["requested"]) == ("100.000", "101.000")
    assert counts() == before


def test_a_shop_that_allows_negative_stock_sells_below_zero(shop_a: Shop) -> None:
    shop_settings_update(allow_negative_stock=True, actor=Actor.system("test"))

    sell(shop_a, ("rice", 101))

    assert level(shop_a, "rice") == D(-1)


def test_inactive_product_and_closed_storefront_are_refused_online(shop_a: Shop) -> None:
    from tenant_apps.storefronts.services import storefront_set_active

    product_update(product_id=shop_a.products["soap"].pk, is_active=False, actor=Actor.system("t"))
    before = counts()
    with pytest.raises(ApplicationError) as error:
        sell(shop_a, ("soap", 1))
    assert error.value.code == "product_inactive"

    storefront_set_active(storefront_id=shop_a.storefront.pk, active=False)
    with pytest.raises(ApplicationError) as error:
        sell(shop_a, ("rice", 1))
    assert error.value.code == "storefront_inactive"
    assert counts() == before


@pytest.mark.parametrize(
    ("payments", "code"),
    [
        ([], "payment_required"),
        ([PaymentInput("cash", D("10.00"))], "underpaid"),
        ([PaymentInput("card", D("30.00"), card_last4="4242", auth_code="A1")], "overpaid"),
        ([PaymentInput("mobile_money", D("30.00"), provider="MTN", reference="R1")], "overpaid"),
        ([PaymentInput("card", D("25.00"), card_last4="42", auth_code="A1")], "payment_invalid"),
        ([PaymentInput("card", D("25.00"), card_last4="4242")], "payment_invalid"),
        ([PaymentInput("mobile_money", D("25.00"), provider="MTN")], "payment_invalid"),
        ([PaymentInput("cash", D("25.00"), reference="x")], "payment_invalid"),
        ([PaymentInput("bitcoin", D("25.00"))], "payment_method_unknown"),
        ([PaymentInput("cash", D("25.001"))], "sale_invalid"),
        ([PaymentInput("cash", D("-1"))], "sale_invalid"),
    ],
    ids=[
        "missing",
        "underpaid",
        "card-over",
        "momo-over",
        "card-last4",
        "card-auth",
        "momo-ref",
        "cash-extra",
        "unknown",
        "precision",
        "negative",
    ],
)
def test_bad_payments_are_refused_and_nothing_is_written(
    shop_a: Shop, payments: list[PaymentInput], code: str
) -> None:
    before = counts()

    with pytest.raises(ApplicationError) as error:
        sell(shop_a, ("rice", 1), pay=payments)

    assert error.value.code == code
    assert counts() == before


def test_split_payment_card_and_mobile_money_and_cash_with_change(shop_a: Shop) -> None:
    recorded = sell(
        shop_a,
        ("rice", 2),
        pay=[
            PaymentInput("card", D("20.00"), card_last4="4242", auth_code="AUTH1"),
            PaymentInput("mobile_money", D("10.00"), provider="MTN", reference="MP1"),
            PaymentInput("cash", D("50.00")),
        ],
    )

    amounts = [(p.kind, p.amount, p.tendered, p.change) for p in recorded.payments]
    assert amounts == [
        ("card", D("20.00"), D("20.00"), D(0)),
        ("mobile_money", D("10.00"), D("10.00"), D(0)),
        ("cash", D("20.00"), D("50.00"), D("30.00")),
    ]
    assert recorded.sale.change_total == D("30.00")


def test_cashier_must_be_a_usable_member_allowed_at_the_storefront(shop_a: Shop, make_member) -> None:
    outsider = uuid.uuid4()
    other_scope = make_member(shop_a.tenant, "cashier", storefront_id=shop_a.other_storefront.pk)
    expired = make_member(shop_a.tenant, "cashier", expires_at=timezone.now() - dt.timedelta(days=1))
    before = counts()

    for cashier in (outsider, other_scope.user.pk, expired.user.pk):
        with pytest.raises(ApplicationError) as error:
            sell(shop_a, ("rice", 1), cashier_id=cashier)
        assert error.value.code == "cashier_not_member"
    assert counts() == before


def test_unknown_products_storefronts_and_shapes_are_refused(shop_a: Shop) -> None:
    before = counts()
    cases = [
        ({"lines": [SaleLineInput(uuid.uuid4(), D(1))]}, "product_not_found"),
        ({"storefront_id": uuid.uuid4()}, "storefront_not_found"),
        ({"lines": []}, "sale_invalid"),
        ({"lines": [SaleLineInput(shop_a.products["rice"].pk, D(0))]}, "sale_invalid"),
        ({"lines": [SaleLineInput(shop_a.products["rice"].pk, D("1000001"))]}, "sale_invalid"),
        ({"lines": [SaleLineInput(shop_a.products["rice"].pk, D("0.0001"))]}, "sale_invalid"),
        ({"lines": [SaleLineInput(shop_a.products["rice"].pk, D(1), discount=D(26))]}, "discount_too_large"),
        ({"sale_discount": D(26)}, "discount_too_large"),
        ({"client_totals": ClientTotals(total=D("24.00"))}, "total_mismatch"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ApplicationError) as error:
            sell(shop_a, ("rice", 1), **kwargs)
        assert error.value.code == code, kwargs
    assert counts() == before


def test_a_client_sale_id_is_kept_and_cannot_be_used_twice(shop_a: Shop) -> None:
    sale_id = uuid.uuid4()
    assert sell(shop_a, ("rice", 1), sale_id=sale_id).sale.pk == sale_id
    before = counts()

    with pytest.raises(ApplicationError) as error:
        sell(shop_a, ("rice", 1), sale_id=sale_id)

    assert error.value.code == "sale_exists"
    assert counts() == before


# --------------------------------------------------------------------------------------------
# Terminal sales: they already happened
# --------------------------------------------------------------------------------------------


def terminal(receipt: str = "ACC-T01-000001") -> Origin:
    return Origin.terminal(terminal_id=uuid.UUID(int=1), receipt_number=receipt)


def test_a_terminal_sale_is_never_refused_for_stock_and_flags_oversold(shop_a: Shop) -> None:
    recorded = sell(shop_a, ("rice", 150), origin=terminal())

    assert level(shop_a, "rice") == D(-50)
    assert [c.code for c in recorded.conflicts] == ["oversold"]
    assert recorded.conflicts[0].details["level"] == "-50.000"
    assert Sale.objects.get(pk=recorded.sale.pk).conflicts == [c.as_json() for c in recorded.conflicts]


def test_a_terminal_sale_is_judged_at_the_price_of_its_time(shop_a: Shop) -> None:
    then = timezone.now() - dt.timedelta(hours=3)
    price_set(
        product_id=shop_a.products["rice"].pk,
        price=D("30.00"),
        actor=Actor.system("t"),
        effective_from=timezone.now() - dt.timedelta(hours=1),
    )
    line = SaleLineInput(shop_a.products["rice"].pk, D(1), unit_price=D("25.00"))

    old = sell(shop_a, lines=[line], origin=terminal("ACC-T01-1"), occurred_at=then)
    new = sell(shop_a, lines=[line], origin=terminal("ACC-T01-2"))

    assert (old.sale.total, old.conflicts) == (D("25.00"), [])
    assert new.sale.total == D("30.00")
    assert [c.code for c in new.conflicts] == ["price_mismatch"]
    assert new.conflicts[0].details["server_unit_price"] == "30.00"


def test_terminal_conflicts_total_receipt_and_payment_are_flagged_and_the_server_wins(shop_a: Shop) -> None:
    sell(shop_a, ("rice", 1), origin=terminal("ACC-T01-7"))

    recorded = sell(
        shop_a,
        ("rice", 2),
        origin=terminal("ACC-T01-7"),
        client_totals=ClientTotals(total=D("48.00")),
        pay=[PaymentInput("cash", D("48.00"))],
    )

    assert sorted(c.code for c in recorded.conflicts) == [
        "payment_mismatch",
        "receipt_clash",
        "total_mismatch",
    ]
    assert recorded.sale.total == D("50.00")
    assert Sale.objects.filter(receipt_number="ACC-T01-7").count() == 2


def test_terminal_sales_keep_device_time_apart_from_server_time(shop_a: Shop) -> None:
    then = timezone.now() - dt.timedelta(days=2)

    sale = sell(shop_a, ("rice", 1), origin=terminal(), occurred_at=then).sale

    assert sale.occurred_at == then
    assert sale.received_at > then + dt.timedelta(days=1)


def test_terminal_sale_still_refuses_malformed_or_unauthorised_input(shop_a: Shop) -> None:
    before = counts()
    cases = [
        ({"origin": terminal(), "lines": [SaleLineInput(uuid.uuid4(), D(1))]}, "product_not_found"),
        (
            {"origin": terminal(), "occurred_at": timezone.now() + dt.timedelta(hours=2)},
            "occurred_at_invalid",
        ),
        ({"origin": Origin.terminal(terminal_id=uuid.uuid4(), receipt_number="")}, "sale_invalid"),
        ({"origin": terminal(), "cashier_id": uuid.uuid4()}, "cashier_not_member"),
    ]
    for kwargs, code in cases:
        with pytest.raises(ApplicationError) as error:
            sell(shop_a, ("rice", 1), **kwargs)
        assert error.value.code == code, kwargs
    # Deactivated before the sale happened.
    Membership.objects.filter(pk=shop_a.cashier.membership.pk).update(
        is_active=False, updated_at=timezone.now() - dt.timedelta(hours=1)
    )
    with pytest.raises(ApplicationError) as error:
        sell(shop_a, ("rice", 1), origin=terminal())
    assert error.value.code == "cashier_not_member"
    assert counts() == before


def test_a_terminal_sale_made_before_the_cashier_was_removed_is_accepted(shop_a: Shop) -> None:
    then = timezone.now() - dt.timedelta(hours=1)
    Membership.objects.filter(pk=shop_a.cashier.membership.pk).update(is_active=False)

    sale = sell(shop_a, ("rice", 1), origin=terminal(), occurred_at=then).sale

    assert sale.cashier_id == shop_a.cashier.user.pk


def test_the_sale_is_attached_to_the_cashiers_open_shift(shop_a: Shop) -> None:
    from tenant_apps.shifts.services import shift_open

    shift = shift_open(
        storefront_id=shop_a.storefront.pk,
        cashier_id=shop_a.cashier.user.pk,
        opening_float=D(0),
        actor=Actor.system("t"),
    )

    assert sell(shop_a, ("rice", 1)).sale.shift_id == shift.pk


def test_sale_record_for_a_known_sale_is_used_by_sync_with_a_preloaded_context(shop_a: Shop) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tenant_apps.sales.context import pricing_context_load

    at = timezone.now() - dt.timedelta(minutes=5)
    context = pricing_context_load(keys=[(shop_a.products["rice"].pk, shop_a.storefront.pk, at)])
    with CaptureQueriesContext(connection) as queries:
        sale_record(
            storefront_id=shop_a.storefront.pk,
            cashier_id=shop_a.cashier.user.pk,
            cashier_membership=shop_a.cashier.membership,
            lines=[SaleLineInput(shop_a.products["rice"].pk, D(1))],
            payments=[PaymentInput("cash", D(25))],
            origin=terminal(),
            occurred_at=at,
            context=context,
        )

    # savepoint, context (storefront, shift, settings, methods), the cashier's membership at the
    # sale's time, receipt number lock, receipt clash check, movements and levels, one insert,
    # release. (A sync batch writes a whole run with one sales_write call: sync/ops/sale.py.)
    assert len(queries) == 8, [q["sql"][:80] for q in queries.captured_queries]
