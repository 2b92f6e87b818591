"""Sales reads. A sale's status is derived from its events:

* ``voided``: it has a ``voided`` event;
* ``refunded``: refunds returned its whole total; ``partially_refunded``: some of it;
* ``completed``: otherwise.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypedDict

from django.db.models import Count, Exists, F, OuterRef, Prefetch, QuerySet, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from tenant_apps.sales.context import pricing_context_load
from tenant_apps.sales.errors import ProductNotFound
from tenant_apps.sales.models import Payment, PaymentMethod, Sale, SaleEvent
from tenant_apps.sales.pricing import LineInput, SaleTotals, price_sale
from tenant_apps.shop.services import shop_settings_get

# The refunded total of a sale without refunds, as money reads.
NO_REFUNDS = Decimal("0.00")
STATUSES = ("completed", "partially_refunded", "refunded", "voided")


def sale_status(*, voided: bool, refunded: Decimal | None, total: Decimal) -> str:
    """``refunded``: what the sale's refunds returned; None when it has none (a refund of a free
    line returns nothing, and still counts)."""
    if voided:
        return "voided"
    if refunded is None:
        return "completed"
    return "refunded" if refunded >= total else "partially_refunded"


if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    class _Status(TypedDict):
        is_voided: bool
        refunded_amount: Decimal | None

    # A sale loaded through :func:`with_status`, for the type checker.
    SaleWithStatus = WithAnnotations[Sale, _Status]


def with_status(qs: QuerySet[Sale]) -> QuerySet[SaleWithStatus]:
    """Annotates ``is_voided`` and ``refunded_amount`` (null without refunds): see
    :func:`sale_status_of`."""
    refunds = (
        SaleEvent.objects.filter(sale_id=OuterRef("pk"), kind=SaleEvent.Kind.REFUNDED)
        .values("sale_id")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    return qs.annotate(
        is_voided=Exists(SaleEvent.objects.filter(sale_id=OuterRef("pk"), kind=SaleEvent.Kind.VOIDED)),
        refunded_amount=Subquery(refunds),
    )


def sale_status_of(sale: SaleWithStatus) -> tuple[str, Decimal]:
    """(status, refunded total) of a sale loaded through :func:`with_status`."""
    refunded = sale.refunded_amount
    status = sale_status(voided=sale.is_voided, refunded=refunded, total=sale.total)
    return status, NO_REFUNDS if refunded is None else refunded


def sale_list(
    *,
    storefront_id: uuid.UUID | None = None,
    cashier_id: uuid.UUID | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    receipt_number: str | None = None,
    terminal_id: uuid.UUID | None = None,
    status: str | None = None,
    payment_method: str | None = None,
) -> QuerySet[SaleWithStatus]:
    """Sales, newest first, annotated by :func:`with_status`. ``status`` is one of
    :data:`STATUSES` (the rule of :func:`sale_status`); ``payment_method`` a method's code (sales
    with at least one payment by it)."""
    qs = with_status(Sale.objects.order_by("-occurred_at", "id"))
    if storefront_id is not None:
        qs = qs.filter(storefront_id=storefront_id)
    if cashier_id is not None:
        qs = qs.filter(cashier_id=cashier_id)
    if start is not None:
        qs = qs.filter(occurred_at__gte=start)
    if end is not None:
        qs = qs.filter(occurred_at__lt=end)
    if receipt_number:
        qs = qs.filter(receipt_number=receipt_number)
    if terminal_id is not None:
        qs = qs.filter(terminal_id=terminal_id)
    if payment_method:
        # The sale's own list of methods (in the covering indexes of sales by time): no probe of
        # each sale's payments. The method's id is a constant of the query, not a subquery, so
        # that the planner estimates the filter from the column's statistics (with an unknown
        # value it guessed a few rows, and sorted all of a month's sales to show a page).
        method_id = PaymentMethod.objects.filter(code=payment_method).values_list("pk", flat=True).first()
        if method_id is None:
            return qs.none()
        qs = qs.filter(payment_method_ids__overlap=[method_id])
    if status == "voided":
        qs = qs.filter(is_voided=True)
    elif status == "completed":
        qs = qs.filter(is_voided=False, refunded_amount__isnull=True)
    elif status == "partially_refunded":
        qs = qs.filter(is_voided=False, refunded_amount__lt=F("total"))
    elif status == "refunded":
        qs = qs.filter(is_voided=False, refunded_amount__gte=F("total"))
    return qs


def sale_totals(qs: QuerySet[SaleWithStatus]) -> dict[str, Any]:
    """For a :func:`sale_list`: how many sales, their total and tax (voided ones left out, as in
    the reports), what refunds returned, and the total after refunds; three queries.

    The kept sales' figures are those of all the filter's sales less those of its voided ones:
    the first sum reads the covering index of sales by time alone, the second the few sales with
    a void event (a semi-join), where testing ``is_voided`` inside the sums would probe the void
    events once per sale and per sum. The refunds are summed from the refund events of the kept
    sales (a semi-join that reads the few refund events through their partial index) rather than
    from each sale's own ``refunded_amount``, which would probe the events once per sale."""
    base = qs.order_by()
    sums = {
        "count": Count("id"),
        "total": Sum("total", default=NO_REFUNDS),
        "tax": Sum("tax_total", default=NO_REFUNDS),
    }
    every = base.aggregate(**sums)
    voided = base.filter(is_voided=True).aggregate(**sums)
    figures = {
        "count": every["count"],
        "voided": voided["count"],
        "total": every["total"] - voided["total"],
        "tax": every["tax"] - voided["tax"],
    }
    figures["refunded"] = SaleEvent.objects.filter(
        kind=SaleEvent.Kind.REFUNDED,
        sale_id__in=base.filter(is_voided=False).values("pk"),
    ).aggregate(s=Sum("amount", default=NO_REFUNDS))["s"]
    figures["net"] = figures["total"] - figures["refunded"]
    return figures


def sale_get(*, sale_id: uuid.UUID) -> SaleWithStatus | None:
    """The sale with its lines, payments and events (and their methods and refund lines)."""
    return (
        with_status(Sale.objects.filter(pk=sale_id))
        .prefetch_related(
            "lines",
            Prefetch("payments", queryset=Payment.objects.select_related("method")),
            Prefetch("events", queryset=SaleEvent.objects.select_related("payment_method")),
            "events__refund_lines",
        )
        .first()
    )


def sale_storefront_id(*, sale_id: uuid.UUID) -> uuid.UUID | None:
    """The storefront of a sale (None for an unknown sale): enough to check who may see it."""
    return Sale.objects.filter(pk=sale_id).values_list("storefront_id", flat=True).first()


def payment_method_list() -> QuerySet[PaymentMethod]:
    return PaymentMethod.objects.all()


def sale_quote(
    *, storefront_id: uuid.UUID, lines: list[tuple[uuid.UUID, Decimal]], at: dt.datetime | None = None
) -> SaleTotals:
    """What a sale of ``lines`` [(product, quantity)] at a storefront would come to at ``at``
    (default now), with its taxes: the prices, rates and shop settings a sale uses, through the
    sale's own :func:`~tenant_apps.sales.pricing.price_sale`. Writes nothing."""
    at = at or timezone.now()
    context = pricing_context_load(keys=[(product_id, storefront_id, at) for product_id, _ in lines])
    inputs = []
    for index, (product_id, quantity) in enumerate(lines):
        price = context.price(product_id, storefront_id, at)
        facts = context.products.get(product_id)
        if price is None or facts is None:
            raise ProductNotFound(
                gettext_noop("A line names a product without a price."), details={"line": index}
            )
        inputs.append(LineInput(unit_price=price, quantity=quantity, tax_category=facts.tax_category_id))
    settings = shop_settings_get()
    return price_sale(
        lines=inputs,
        rates=context.rates_at(at),
        prices_include_tax=settings.prices_include_tax,
        minor_unit=settings.minor_unit,
    )
