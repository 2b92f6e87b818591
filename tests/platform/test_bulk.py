"""The set-based insert helpers render what Django's own insert compiler renders."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django.utils import timezone

from pos_platform.db.bulk import compiler_insert_sql, insert_sql
from pos_platform.kernel.actors import Actor
from shared_apps.tenants.models import Tenant
from tenant_apps.inventory.models import StockMovement
from tenant_apps.sales.models import Payment, Sale, SaleEvent, SaleLine
from tests.conftest import Shop


def test_insert_sql_matches_the_compiler_for_the_sale_path(db: None) -> None:
    now = timezone.now()
    sale_id = uuid.uuid4()
    groups = [
        [
            SaleLine(
                sale_id=sale_id,
                position=i,
                product_id=uuid.uuid4(),
                sku="A",
                name="a",
                quantity=Decimal("1.5"),
                unit_price=Decimal("2.00"),
                gross=Decimal(3),
                discount=Decimal(0),
                sale_discount_share=Decimal(0),
                net=Decimal(3),
                tax_total=Decimal(0),
                total=Decimal(3),
                taxes=[{"code": "VAT"}],
            )
            for i in range(3)
        ],
        [
            Payment(
                sale_id=sale_id,
                position=0,
                method_id=uuid.uuid4(),
                kind="cash",
                amount=Decimal(3),
                tendered=Decimal(5),
                change=Decimal(2),
            )
        ],
        [SaleEvent(sale_id=sale_id, kind="created", occurred_at=now, received_at=now)],
        [
            StockMovement(
                product_id=uuid.uuid4(),
                storefront_id=uuid.uuid4(),
                kind="sale",
                quantity=Decimal(-1),
                occurred_at=now,
                created_at=now,
                sale_id=sale_id,
            )
        ],
        [
            Sale(
                id=sale_id,
                storefront_id=uuid.uuid4(),
                cashier_id=uuid.uuid4(),
                origin="online",
                receipt_number="R",
                business_date=dt.date(2025, 1, 1),
                occurred_at=now,
                received_at=now,
                prices_include_tax=True,
                subtotal=Decimal(3),
                line_discount_total=Decimal(0),
                sale_discount=Decimal(0),
                net_total=Decimal(3),
                tax_total=Decimal(0),
                total=Decimal(3),
                paid_total=Decimal(3),
                change_total=Decimal(0),
            )
        ],
    ]
    for objs in groups:
        singles = []
        for obj in objs:
            ours, reference = insert_sql([obj]), compiler_insert_sql([obj])
            assert ours[0] == reference[0]
            assert [str(p) for p in ours[1]] == [str(p) for p in reference[1]]
            singles += ours[1]
        sql, params = insert_sql(objs)
        assert sql.count("(%s") == len(objs)
        assert [str(p) for p in params] == [str(p) for p in singles]


def test_prepared_statements_follow_the_tenant_schema(shop_a: Shop, shop_b: Shop) -> None:
    """A statement prepared while tenant A's schema is active must read B's tables under B."""
    from django.db import connection as django_connection

    from pos_platform.db import connection
    from tenant_apps.catalog.services import price_set
    from tenant_apps.sales.context import pricing_context_load
    from tests.sales.helpers import use

    at = timezone.now()
    use(shop_b)
    price_set(
        product_id=shop_b.products["rice"].pk,
        price=Decimal("99.00"),
        actor=Actor.system("t"),
        effective_from=at - dt.timedelta(seconds=1),
    )
    use(shop_a)
    for _ in range(3):
        context = pricing_context_load(keys=[(shop_a.products["rice"].pk, shop_a.storefront.pk, at)])
        assert context.price(shop_a.products["rice"].pk, shop_a.storefront.pk, at) == Decimal("25.00")
    with django_connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        (prepared,) = cursor.fetchone()
    assert prepared >= 1

    connection.set_tenant(shop_b.tenant)
    context = pricing_context_load(keys=[(shop_b.products["rice"].pk, shop_b.storefront.pk, at)])

    assert context.price(shop_b.products["rice"].pk, shop_b.storefront.pk, at) == Decimal("99.00")
    assert pricing_context_load(keys=[(shop_a.products["rice"].pk, shop_a.storefront.pk, at)]).products == {}


def test_copy_rows_writes_what_the_orm_reads_back(tenant_a: Tenant) -> None:
    """Every column type of the COPY formatter, with the characters COPY's text format escapes."""
    import uuid

    from pos_platform.db import connection
    from pos_platform.db.bulk import copy_rows
    from pos_platform.kernel.audit.models import AuditEvent

    connection.set_tenant(tenant_a)
    now = timezone.now()
    awkward = 'tab\there, new\nline, back\\slash, quote " and \\N itself'
    rows = [
        {
            "action": "copy.test",
            "actor_label": awkward,
            "actor_id": uuid.uuid4(),
            "ip": "192.0.2.7",
            "details": {"text": awkward, "amount": "12.50", "list": [1, None, True]},
            "object_id": "x",
        },
        {"action": "copy.test", "storefront_id": None, "details": {}},
    ]

    copy_rows(AuditEvent, rows, now=now)

    stored = list(AuditEvent.objects.filter(action="copy.test").order_by("actor_label"))
    assert [e.actor_label for e in stored] == ["", awkward]
    second, first = stored
    assert first.details == {"text": awkward, "amount": "12.50", "list": [1, None, True]}
    assert (first.ip, first.actor_id, first.object_id, first.at) == (
        "192.0.2.7",
        rows[0]["actor_id"],
        "x",
        now,
    )
    assert (second.ip, second.actor_id, second.storefront_id, second.details) == (None, None, None, {})
    assert first.pk != second.pk  # ids from the field's default
