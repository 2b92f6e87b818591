"""Many sales at once on the same few products, from threads and from processes; concurrent
voids and refunds of one sale. Committed data, real concurrent transactions."""

from __future__ import annotations

import multiprocessing
import os
import random
import threading
from collections import Counter
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.db import connection as django_connection
from django.db.models import Sum

from pos_platform.db import connection
from pos_platform.kernel.actors import Actor
from pos_platform.kernel.errors import ApplicationError
from shared_apps.tenants.reconciliation import tenant_reconcile
from tenant_apps.inventory.models import StockLevel, StockMovement
from tenant_apps.inventory.services import StockLine, stock_receive
from tenant_apps.sales.models import RefundLine, Sale, SaleEvent, SaleLine
from tenant_apps.sales.services import (
    PaymentInput,
    RefundLineInput,
    SaleLineInput,
    sale_record,
    sale_refund,
    sale_void,
)
from tests.conftest import Shop, api_client, member_make, stock_shop
from tests.sales.workers import sell_many

KEYS = ("water", "rice", "soap")
STOCK = {"water": 300, "rice": 600, "soap": 600}


def committed_shop(committed_tenant: Callable[..., Any]) -> Shop:
    tenant = committed_tenant().tenant
    shop = stock_shop(tenant, member_make, stock=100)
    stock_receive(
        storefront_id=shop.storefront.pk,
        lines=[StockLine(shop.products[k].pk, Decimal(STOCK[k] - 100)) for k in KEYS],
        actor=Actor.system("test"),
    )
    return shop


def assert_books_balance(shop: Shop, sales: int, refused: Counter[str]) -> None:
    connection.set_tenant(shop.tenant)
    assert Sale.objects.count() == sales
    assert set(refused) <= {"insufficient_stock"}, refused
    assert sales + sum(refused.values()) == 1000
    # A lower bound, so that refusing everything cannot pass: the shelves hold 1,500 units and a
    # sale takes 1 to 3, so about 750 sales go through before the products run out.
    assert sales >= 600, (sales, refused)
    numbers = list(Sale.objects.values_list("receipt_number", flat=True))
    assert len(numbers) == len(set(numbers)), "duplicate receipt number"
    for key in KEYS:
        product = shop.products[key]
        sold = SaleLine.objects.filter(product=product).aggregate(q=Sum("quantity"))["q"] or Decimal(0)
        level = StockLevel.objects.get(product=product, storefront=shop.storefront).quantity
        moved = StockMovement.objects.filter(product=product).aggregate(q=Sum("quantity"))["q"]
        assert level == Decimal(STOCK[key]) - sold == moved, key  # no lost update
        assert level >= 0, key  # never below zero online
    if refused:
        # A sale is refused only when its product is short (it asks for at most 3).
        assert (
            min(
                StockLevel.objects.get(product=shop.products[k], storefront=shop.storefront).quantity
                for k in KEYS
            )
            < 3
        )
    # Sequences per day are gap-free: 1..n.
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, sales + 1))
    checks = tenant_reconcile(tenant=shop.tenant)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_1000_sales_from_20_threads(committed_tenant: Callable[..., Any]) -> None:
    shop = committed_shop(committed_tenant)
    products = [shop.products[k].pk for k in KEYS]
    results: list[tuple[int, Counter[str]]] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        connection.set_tenant(shop.tenant)
        rng = random.Random(seed)
        ok, refused = 0, Counter[str]()
        try:
            for _ in range(50):
                try:
                    sale_record(
                        storefront_id=shop.storefront.pk,
                        cashier_id=shop.cashier.user.pk,
                        lines=[SaleLineInput(rng.choice(products), Decimal(rng.randint(1, 3)))],
                        payments=[PaymentInput("cash", Decimal(1000))],
                    )
                    ok += 1
                except ApplicationError as exc:
                    refused[exc.code] += 1
        finally:
            django_connection.close()
        with lock:
            results.append((ok, refused))

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 20
    assert_books_balance(shop, sum(r[0] for r in results), sum((r[1] for r in results), Counter()))


def test_1000_sales_from_4_processes(committed_tenant: Callable[..., Any]) -> None:
    shop = committed_shop(committed_tenant)
    # The server of this run (configured or embedded), with the test database's name.
    url = urlunsplit(
        urlsplit(os.environ["DATABASE_URL"])._replace(path=f"/{django_connection.settings_dict['NAME']}")
    )
    args = [
        (
            url,
            shop.tenant.slug,
            str(shop.storefront.pk),
            str(shop.cashier.user.pk),
            [str(shop.products[k].pk) for k in KEYS],
            250,
            seed,
        )
        for seed in range(4)
    ]
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        results = pool.starmap(sell_many, args)

    refused = sum((Counter(r["refused"]) for r in results), Counter())
    assert_books_balance(shop, sum(r["ok"] for r in results), refused)


def test_concurrent_voids_and_refunds_never_return_more_than_was_sold(
    committed_tenant: Callable[..., Any],
) -> None:
    shop = committed_shop(committed_tenant)
    sales = [
        sale_record(
            storefront_id=shop.storefront.pk,
            cashier_id=shop.cashier.user.pk,
            lines=[SaleLineInput(shop.products["rice"].pk, Decimal(10))],
            payments=[PaymentInput("cash", Decimal(300))],
        ).sale
        for _ in range(3)
    ]
    lines = {s.pk: s.lines.get().pk for s in sales}
    actor = Actor.of_user(shop.owner.user)
    outcomes: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(seed: int) -> None:
        connection.set_tenant(shop.tenant)
        rng = random.Random(seed)
        try:
            for sale in sales:
                try:
                    if rng.random() < 0.2:
                        sale_void(sale_id=sale.pk, actor=actor, reason="void")
                        outcome = "voided"
                    else:
                        sale_refund(
                            sale_id=sale.pk,
                            lines=[RefundLineInput(lines[sale.pk], Decimal(rng.randint(1, 3)))],
                            actor=actor,
                            reason="refund",
                        )
                        outcome = "refunded"
                except ApplicationError as exc:
                    outcome = exc.code
                with lock:
                    outcomes[outcome] += 1
        finally:
            django_connection.close()

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    connection.set_tenant(shop.tenant)
    assert set(outcomes) <= {"voided", "refunded", "refund_exceeds_sold", "sale_voided", "sale_has_refunds"}
    for sale in sales:
        refunded = RefundLine.objects.filter(sale_line__sale=sale).aggregate(q=Sum("quantity"))["q"] or 0
        refund_money = (
            SaleEvent.objects.filter(sale=sale, kind="refunded").aggregate(a=Sum("amount"))["a"] or 0
        )
        voids = SaleEvent.objects.filter(sale=sale, kind="voided").count()
        assert refunded <= 10
        assert refund_money <= sale.total
        assert voids <= 1
        assert not (voids and refunded)
        # A lower bound: the first attempt on a sale always succeeds.
        assert voids or refunded > 0
    # What each caller was told is what the books hold: no success lost, none invented.
    assert SaleEvent.objects.filter(sale__in=sales, kind="voided").count() == outcomes["voided"]
    assert SaleEvent.objects.filter(sale__in=sales, kind="refunded").count() == outcomes["refunded"]
    assert outcomes["voided"] + outcomes["refunded"] >= len(sales)
    checks = tenant_reconcile(tenant=shop.tenant)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]


def test_the_same_idempotency_key_sent_twice_at_once_makes_one_sale(
    committed_tenant: Callable[..., Any],
) -> None:
    shop = committed_shop(committed_tenant)
    body = {
        "storefront_id": str(shop.storefront.pk),
        "lines": [{"product_id": str(shop.products["rice"].pk), "quantity": "1"}],
        "payments": [{"method": "cash", "amount": "25.00"}],
    }
    answers: list[Any] = []
    barrier = threading.Barrier(6)

    def post() -> None:
        client = api_client(shop.tenant.slug)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {shop.cashier.token}")
        try:
            barrier.wait()
            response = client.post("/api/v1/sales", body, format="json", HTTP_IDEMPOTENCY_KEY="same")
            answers.append((response.status_code, response.json()["id"]))
        finally:
            django_connection.close()

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    connection.set_tenant(shop.tenant)
    assert [status for status, _ in answers] == [201] * 6
    assert len({sale_id for _, sale_id in answers}) == 1
    assert Sale.objects.count() == 1


def test_sales_of_several_lines_beside_stock_receipts_never_deadlock_or_lose_an_update(
    committed_tenant: Callable[..., Any],
) -> None:
    """Online sales of two or three products named in any order (the writer takes the day's
    receipt counter, then the levels in product order, in its last statement) while stock
    receipts of the same products run (levels only): no deadlock, no lost update."""
    shop = committed_shop(committed_tenant)
    products = [shop.products[k].pk for k in KEYS]
    outcomes: list[tuple[str, int, Counter[str]]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def seller(seed: int) -> None:
        connection.set_tenant(shop.tenant)
        rng = random.Random(seed)
        ok, refused = 0, Counter[str]()
        try:
            for _ in range(30):
                picked = rng.sample(products, rng.choice([2, 3]))
                try:
                    sale_record(
                        storefront_id=shop.storefront.pk,
                        cashier_id=shop.cashier.user.pk,
                        lines=[SaleLineInput(pid, Decimal(1)) for pid in picked],
                        payments=[PaymentInput("cash", Decimal(1000))],
                    )
                    ok += 1
                except ApplicationError as exc:
                    refused[exc.code] += 1
        except BaseException as exc:  # a deadlock or anything unexpected fails the test below
            with lock:
                failures.append(exc)
        finally:
            django_connection.close()
        with lock:
            outcomes.append(("sales", ok, refused))

    def receiver(seed: int) -> None:
        connection.set_tenant(shop.tenant)
        rng = random.Random(seed)
        done = 0
        try:
            for _ in range(15):
                picked = rng.sample(products, 3)
                stock_receive(
                    storefront_id=shop.storefront.pk,
                    lines=[StockLine(pid, Decimal(2)) for pid in picked],
                    actor=Actor.system("test"),
                )
                done += 1
        except BaseException as exc:
            with lock:
                failures.append(exc)
        finally:
            django_connection.close()
        with lock:
            outcomes.append(("receipts", done, Counter()))

    threads = [threading.Thread(target=seller, args=(seed,)) for seed in range(8)]
    threads += [threading.Thread(target=receiver, args=(100 + seed,)) for seed in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not failures, failures[:3]
    sold = sum(ok for kind, ok, _ in outcomes if kind == "sales")
    refused = sum((r for kind, _, r in outcomes if kind == "sales"), Counter())
    receipts = sum(done for kind, done, _ in outcomes if kind == "receipts")
    assert receipts == 30
    assert set(refused) <= {"insufficient_stock"}, refused
    # 240 sales of at most 3 units each against 1,500 units on the shelves: all of them go through.
    assert sold == 240, (sold, refused)
    connection.set_tenant(shop.tenant)
    assert Sale.objects.count() == sold
    for key in KEYS:
        product = shop.products[key]
        units = SaleLine.objects.filter(product=product).aggregate(q=Sum("quantity"))["q"] or Decimal(0)
        received = Decimal(STOCK[key] + 2 * receipts)  # every receipt brings 2 of each product
        level = StockLevel.objects.get(product=product, storefront=shop.storefront).quantity
        moved = StockMovement.objects.filter(product=product).aggregate(q=Sum("quantity"))["q"]
        assert level == received - units == moved, key
    numbers = sorted(int(n.rsplit("-", 1)[1]) for n in Sale.objects.values_list("receipt_number", flat=True))
    assert numbers == list(range(1, sold + 1))
    checks = tenant_reconcile(tenant=shop.tenant)
    assert all(c.ok for c in checks), [c for c in checks if not c.ok]
