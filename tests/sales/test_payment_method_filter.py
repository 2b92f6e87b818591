"""A sale keeps the methods its payments used; the lists filtered by payment method read them."""

from __future__ import annotations

import importlib

from django.db import connection

from tenant_apps.sales.models import Payment, PaymentMethod, Sale
from tenant_apps.sales.selectors import sale_list, sale_totals
from tenant_apps.sales.services import PaymentInput
from tests.conftest import Shop
from tests.sales.helpers import D, sell, use

FILL = importlib.import_module("tenant_apps.sales.migrations.0006_payment_methods_on_the_sale").FILL


def _three_sales(shop: Shop) -> dict[str, Sale]:
    """Rice (25.00): cash only; card and cash; mobile money only."""
    return {
        "cash": sell(shop, ("rice", 1), pay=[PaymentInput("cash", D("30.00"))]).sale,
        "split": sell(
            shop,
            ("rice", 1),
            pay=[
                PaymentInput("card", D("10.00"), card_last4="4242", auth_code="A1"),
                PaymentInput("cash", D("20.00")),
            ],
        ).sale,
        "momo": sell(
            shop, ("rice", 1), pay=[PaymentInput("mobile_money", D("25.00"), provider="MTN", reference="R1")]
        ).sale,
    }


def _methods_of_payments(sale: Sale) -> list[object]:
    return sorted(set(Payment.objects.filter(sale_id=sale.pk).values_list("method_id", flat=True)))


def test_a_sale_keeps_its_payments_methods_and_the_list_filters_by_them(shop_a: Shop) -> None:
    use(shop_a)
    sales = _three_sales(shop_a)
    ids = dict(PaymentMethod.objects.values_list("code", "pk"))

    for sale in sales.values():
        stored = Sale.objects.get(pk=sale.pk).payment_method_ids
        assert stored == _methods_of_payments(sale), sale.receipt_number
    assert Sale.objects.get(pk=sales["split"].pk).payment_method_ids == sorted([ids["cash"], ids["card"]])

    def listed(code: str) -> set[object]:
        return set(sale_list(payment_method=code).values_list("pk", flat=True))

    assert listed("cash") == {sales["cash"].pk, sales["split"].pk}
    assert listed("card") == {sales["split"].pk}
    assert listed("mobile_money") == {sales["momo"].pk}
    assert listed("no_such_method") == set()
    totals = sale_totals(sale_list(payment_method="cash"))
    assert totals["count"] == 2
    assert totals["total"] == D("50.00")
    nothing = sale_totals(sale_list(payment_method="no_such_method"))
    assert (nothing["count"], nothing["total"], nothing["net"]) == (0, D("0"), D("0"))


def test_the_migration_fills_the_methods_of_sales_made_before_it(shop_a: Shop) -> None:
    use(shop_a)
    sales = _three_sales(shop_a)
    with connection.cursor() as cursor:
        # The test's own transaction holds the sales' deferred checks; a migration has none.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE sales_sale DISABLE TRIGGER sales_sale_append_only")
        cursor.execute("UPDATE sales_sale SET payment_method_ids = '{}'")
        cursor.execute("ALTER TABLE sales_sale ENABLE TRIGGER sales_sale_append_only")
    assert not Sale.objects.exclude(payment_method_ids=[]).exists()  # as a sale made before

    with connection.cursor() as cursor:
        cursor.execute(FILL)

    for sale in sales.values():
        assert Sale.objects.get(pk=sale.pk).payment_method_ids == _methods_of_payments(sale)
    with connection.cursor() as cursor:
        # The guard is back: a sale still cannot be changed.
        cursor.execute(
            "SELECT tgenabled FROM pg_trigger WHERE tgname = 'sales_sale_append_only' "
            "AND tgrelid = 'sales_sale'::regclass"
        )
        assert cursor.fetchone() == ("O",)
