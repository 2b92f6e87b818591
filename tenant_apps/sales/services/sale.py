"""Recording a sale: validation and pricing, the same for online sales and sales from terminals.

Online (``origin=ONLINE``): anything wrong is refused with a stable code and nothing is written,
including a tracked product going below zero (``insufficient_stock``) unless the shop allows
negative stock. The sale is attached to the cashier's open shift.

Terminal (``origin=Origin.terminal(...)``): the sale already happened. Only malformed, unknown or
unauthorised input is refused; short stock, a changed price, different client totals, a receipt
number already used and payments that do not match the server's total are recorded as they are
and returned as :class:`ConflictDescriptor` values for the sync engine to store. The server's
figures always win. The sale keeps the shift the terminal named, or none (docs/sync-protocol.md).

:func:`sale_build` holds the sale's rules (shape, prices, taxes, payments, conflicts of its own
data); :func:`sale_record` is validate, build, then ``sales_write([one])``
(``services/write.py``), the writer that the sync push uses for whole runs.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext_noop

from pos_platform.db import bound_cursor, connection, pipelined, service_atomic
from pos_platform.kernel.errors import ApplicationError
from pos_platform.kernel.money import MONEY_MAX, QUANTITY_MAX, QUANTITY_PLACES, ZERO, has_places
from shared_apps.accounts.history import member_states_at
from shared_apps.accounts.models import Membership
from shared_apps.accounts.permissions import can
from tenant_apps.inventory.services import MovementInput
from tenant_apps.sales.context import PricingContext, pricing_context_load
from tenant_apps.sales.errors import (
    CashierNotMember,
    Overpaid,
    PaymentInvalid,
    PaymentMethodUnknown,
    PaymentRequired,
    ProductInactive,
    ProductNotFound,
    SaleExists,
    SaleInvalid,
    ShiftNotFoundForSale,
    StorefrontInactive,
    TotalMismatch,
    Underpaid,
)
from tenant_apps.sales.models import Payment, PaymentMethod, Sale, SaleEvent, SaleLine
from tenant_apps.sales.pricing import LineInput, SaleTotals, price_sale, taxes_as_json
from tenant_apps.sales.services.write import BuiltSale, ConflictDescriptor, sales_write
from tenant_apps.shifts.models import Shift
from tenant_apps.shop.models import ShopSettings
from tenant_apps.shop.services import business_date, occurred_at_resolve, shop_settings_get
from tenant_apps.storefronts.errors import StorefrontNotFound

MAX_LINES = 500
MAX_PAYMENTS = 10
RECEIPT_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_/.]{0,47}$")
MOBILE_PROVIDERS_MAX = 40


@dataclass(frozen=True)
class SaleLineInput:
    product_id: uuid.UUID
    quantity: Decimal
    discount: Decimal = ZERO
    # The unit price the terminal charged (advisory; terminal sales only).
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class PaymentInput:
    method: str  # a PaymentMethod code
    amount: Decimal  # for cash: the amount tendered
    provider: str = ""  # mobile money
    reference: str = ""  # mobile money
    card_last4: str = ""  # card
    auth_code: str = ""  # card


@dataclass(frozen=True)
class ClientTotals:
    """What the client computed; compared with the server's figures, never used."""

    subtotal: Decimal | None = None
    discount_total: Decimal | None = None
    tax_total: Decimal | None = None
    total: Decimal | None = None

    def as_json(self) -> dict[str, str]:
        return {k: str(v) for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Origin:
    kind: Literal["online", "terminal"] = "online"
    terminal_id: uuid.UUID | None = None
    # The terminal's own number, namespaced <storefront code>-<terminal code>-<counter>.
    receipt_number: str | None = None

    @classmethod
    def terminal(cls, *, terminal_id: uuid.UUID, receipt_number: str) -> Origin:
        return cls(kind="terminal", terminal_id=terminal_id, receipt_number=receipt_number)

    @property
    def is_terminal(self) -> bool:
        return self.kind == "terminal"


ONLINE = Origin()


@dataclass
class RecordedSale:
    sale: Sale
    lines: list[SaleLine]
    payments: list[Payment]
    conflicts: list[ConflictDescriptor]


# Everything a sale needs besides the catalog, in one round trip: the storefront, the cashier's
# open shift there, the shop settings and the payment methods named.
_CONTEXT_SQL = """
SELECT s.code, s.is_active,
       (SELECT h.id FROM shifts_shift h
         WHERE h.storefront_id = s.id AND h.cashier_id = %s AND h.closed_at IS NULL),
       st.id, st.prices_include_tax, st.allow_negative_stock, st.minor_unit,
       (SELECT json_agg(json_build_array(m.id, m.code, m.kind, m.is_active, m.name))
          FROM sales_payment_method m WHERE m.code = ANY(%s))
FROM storefronts_storefront s LEFT JOIN shop_settings st ON st.singleton
WHERE s.id = %s
"""


# The shop settings a sale's rules read and every payment method, in one round trip: what a
# sync run of sales needs besides the catalog (shop_settings_get and a query of the methods
# were two).
_RUN_SQL = """
SELECT st.id, st.prices_include_tax, st.allow_negative_stock, st.minor_unit,
       (SELECT json_agg(json_build_array(m.id, m.code, m.kind, m.is_active, m.name))
          FROM sales_payment_method m)
FROM (SELECT 1) AS one LEFT JOIN shop_settings st ON st.singleton
"""


def _methods_of(rows: list[list[Any]] | None) -> dict[str, PaymentMethod]:
    return {
        code: PaymentMethod(id=uuid.UUID(mid), code=code, kind=kind, is_active=active, name=name)
        for mid, code, kind, active, name in (rows or [])
    }


def _settings_of(settings_id: uuid.UUID | None, *flags: Any) -> ShopSettings:
    if settings_id is None:  # no settings row (a hand-emptied table): made as shop_settings_get does
        return shop_settings_get()
    return ShopSettings(
        id=settings_id, prices_include_tax=flags[0], allow_negative_stock=flags[1], minor_unit=flags[2]
    )


def sale_run_context_load() -> tuple[ShopSettings, dict[str, PaymentMethod]]:
    """The shop settings (the fields a sale's rules read) and the payment methods by code, for
    a caller that builds many sales with :func:`sale_build`: one query."""
    with bound_cursor() as cursor:
        cursor.execute(_RUN_SQL)
        settings_id, *flags, method_rows = cursor.fetchone()
    return _settings_of(settings_id, *flags), _methods_of(method_rows)


def _money(
    value: Decimal, *, what: str, minor_unit: int, error: type[ApplicationError] = SaleInvalid
) -> None:
    if not isinstance(value, Decimal) or value < 0 or value > MONEY_MAX or not has_places(value, minor_unit):
        raise error(
            gettext_noop(
                "%(what)s must be an amount from 0 to %(MONEY_MAX)s with at most %(minor_unit)s decimals."
            ),
            details={"field": what, "value": str(value)},
            params={"what": what, "MONEY_MAX": MONEY_MAX, "minor_unit": minor_unit},
        )


def _check_shape(
    lines: Sequence[SaleLineInput],
    payments: Sequence[PaymentInput],
    sale_discount: Decimal,
    minor_unit: int,
) -> None:
    if not lines:
        raise SaleInvalid(gettext_noop("A sale has at least one line."), details={"field": "lines"})
    if len(lines) > MAX_LINES:
        raise SaleInvalid(
            gettext_noop("A sale has at most %(MAX_LINES)s lines."),
            details={"field": "lines"},
            params={"MAX_LINES": MAX_LINES},
        )
    if len(payments) > MAX_PAYMENTS:
        raise SaleInvalid(
            gettext_noop("A sale has at most %(MAX_PAYMENTS)s payments."),
            details={"field": "payments"},
            params={"MAX_PAYMENTS": MAX_PAYMENTS},
        )
    for index, line in enumerate(lines):
        q = line.quantity
        if not isinstance(q, Decimal) or q <= 0 or q > QUANTITY_MAX or not has_places(q, QUANTITY_PLACES):
            raise SaleInvalid(
                gettext_noop(
                    "Line %(value)s: the quantity must be more than 0 and at most %(QUANTITY_MAX)s, with at "
                    "most %(QUANTITY_PLACES)s decimals."
                ),
                details={"line": index, "quantity": str(q)},
                params={"value": index + 1, "QUANTITY_MAX": QUANTITY_MAX, "QUANTITY_PLACES": QUANTITY_PLACES},
            )
        _money(line.discount, what=f"lines[{index}].discount", minor_unit=minor_unit)
        if line.unit_price is not None:
            _money(line.unit_price, what=f"lines[{index}].unit_price", minor_unit=minor_unit)
    _money(sale_discount, what="discount", minor_unit=minor_unit)
    for index, payment in enumerate(payments):
        _money(payment.amount, what=f"payments[{index}].amount", minor_unit=minor_unit)


def _check_cashier(
    *,
    cashier_id: uuid.UUID,
    membership: Membership | None,
    storefront_id: uuid.UUID,
    origin: Origin,
    occurred_at: dt.datetime,
) -> None:
    tenant_id: int = connection.tenant.pk
    if origin.is_terminal:
        # The sale happened at occurred_at: judged by the membership as it was then (a cashier
        # deactivated since still made it; one hired since did not).
        state = member_states_at(tenant_id=tenant_id, keys=[(cashier_id, occurred_at)])[
            (cashier_id, occurred_at)
        ]
        allowed = state is not None and state.allows(
            "sale.create", at=occurred_at, storefront_id=storefront_id
        )
    else:
        if membership is None or (membership.user_id, membership.tenant_id) != (cashier_id, tenant_id):
            membership = Membership.objects.filter(user_id=cashier_id, tenant_id=tenant_id).first()
        allowed = can(membership, "sale.create", storefront_id=storefront_id)
    if not allowed:
        raise CashierNotMember(details={"cashier_id": str(cashier_id)})


@dataclass
class _PaymentPlan:
    rows: list[dict[str, Any]]
    paid: Decimal
    change: Decimal
    problem: str | None = None  # "underpaid" / "overpaid"
    details: dict[str, str] = field(default_factory=dict)


def _plan_payments(
    payments: Sequence[PaymentInput], methods: dict[str, PaymentMethod], *, due: Decimal, sale_id: uuid.UUID
) -> _PaymentPlan:
    non_cash = sum((p.amount for p in payments if methods[p.method].kind != "cash"), ZERO)
    cash = sum((p.amount for p in payments if methods[p.method].kind == "cash"), ZERO)
    cash_due = max(due - non_cash, ZERO)
    rows: list[dict[str, Any]] = []
    for position, p in enumerate(payments):
        method = methods[p.method]
        if method.kind == "cash":
            applied = min(p.amount, cash_due)
            cash_due -= applied
        else:
            applied = p.amount
        rows.append(
            {
                "id": uuid.uuid4(),
                "sale_id": sale_id,
                "position": position,
                "method_id": method.pk,
                "kind": method.kind,
                "amount": applied,
                "tendered": p.amount,
                "change": p.amount - applied,
                "provider": p.provider.strip(),
                "reference": p.reference.strip(),
                "card_last4": p.card_last4,
                "auth_code": p.auth_code.strip(),
            }
        )
    plan = _PaymentPlan(
        rows=rows,
        paid=sum((r["amount"] for r in rows), ZERO),
        change=sum((r["change"] for r in rows), ZERO),
    )
    if non_cash > due:
        plan.problem = "overpaid"
    elif non_cash + cash < due:
        plan.problem = "underpaid"
    plan.details = {"due": str(due), "non_cash": str(non_cash), "cash": str(cash)}
    return plan


def _check_payment_details(payments: Sequence[PaymentInput], methods: dict[str, PaymentMethod]) -> None:
    for index, p in enumerate(payments):
        method = methods[p.method]
        missing: list[str] = []
        if method.kind == "mobile_money":
            if not p.provider.strip() or len(p.provider) > MOBILE_PROVIDERS_MAX:
                missing.append("provider")
            if not p.reference.strip() or len(p.reference) > 80:
                missing.append("reference")
        elif method.kind == "card":
            if not re.fullmatch(r"\d{4}", p.card_last4 or ""):
                missing.append("card_last4")
            if not p.auth_code.strip() or len(p.auth_code) > 20:
                missing.append("auth_code")
        else:
            extra = [n for n in ("provider", "reference", "card_last4", "auth_code") if getattr(p, n)]
            if extra:
                raise PaymentInvalid(
                    gettext_noop("Payment %(value)s: cash takes no %(join)s."),
                    details={"payment": index, "fields": extra},
                    params={"value": index + 1, "join": ", ".join(extra)},
                )
        if missing:
            raise PaymentInvalid(
                gettext_noop("Payment %(value)s (%(kind)s): give %(join)s (the last four digits).")
                if "card_last4" in missing
                else gettext_noop("Payment %(value)s (%(kind)s): give %(join)s."),
                details={"payment": index, "fields": missing},
                params={"value": index + 1, "kind": method.kind, "join": ", ".join(missing)},
            )


def _compare_totals(client: ClientTotals, totals: SaleTotals) -> dict[str, dict[str, str]]:
    server = {
        "subtotal": totals.subtotal,
        "discount_total": totals.discount_total,
        "tax_total": totals.tax_total,
        "total": totals.total,
    }
    return {
        name: {"client": str(value), "server": str(server[name])}
        for name, value in client.__dict__.items()
        if value is not None and value != server[name]
    }


@service_atomic
def sale_record(
    *,
    storefront_id: uuid.UUID,
    cashier_id: uuid.UUID,
    lines: Sequence[SaleLineInput],
    payments: Sequence[PaymentInput],
    sale_discount: Decimal = ZERO,
    origin: Origin = ONLINE,
    sale_id: uuid.UUID | None = None,
    occurred_at: dt.datetime | None = None,
    client_totals: ClientTotals | None = None,
    shift_id: uuid.UUID | None = None,
    note: str = "",
    cashier_membership: Membership | None = None,
    context: PricingContext | None = None,
    settings: ShopSettings | None = None,
) -> RecordedSale:
    """Record a sale; see the module docstring for online versus terminal rules.

    ``cashier_membership`` (the cashier's membership, when the caller has it) and ``context`` /
    ``settings`` (preloaded for a batch with :func:`pricing_context_load`) save queries.
    """
    now = timezone.now()
    terminal = origin.is_terminal
    occurred_at = occurred_at_resolve(occurred_at, now=now) if terminal else now
    codes = sorted({p.method for p in payments})
    # The sale's context and the catalog's prices in one round trip: the pricing query's read
    # brings both answers (the prices are loaded even for a sale refused below).
    with pipelined(), bound_cursor() as cursor:
        cursor.execute(_CONTEXT_SQL, [cashier_id, codes, storefront_id])
        if context is None:
            context = pricing_context_load(
                keys=[(line.product_id, storefront_id, occurred_at) for line in lines]
            )
        row = cursor.fetchone()
    if row is None:
        raise StorefrontNotFound(details={"storefront_id": str(storefront_id)})
    storefront_code, storefront_active, open_shift_id, settings_id, *flags, method_rows = row
    if settings is None:
        settings = _settings_of(settings_id, *flags)
    if sale_id is not None and Sale.objects.filter(pk=sale_id).exists():
        raise SaleExists(details={"sale_id": str(sale_id)})
    sale_id = sale_id or uuid.uuid4()
    if not storefront_active and not terminal:
        raise StorefrontInactive()
    if shift_id is not None:
        if not Shift.objects.filter(pk=shift_id, storefront_id=storefront_id).exists():
            raise ShiftNotFoundForSale(details={"shift_id": str(shift_id)})
    elif not terminal:
        shift_id = open_shift_id
    _check_cashier(
        cashier_id=cashier_id,
        membership=cashier_membership,
        storefront_id=storefront_id,
        origin=origin,
        occurred_at=occurred_at,
    )

    methods = _methods_of(method_rows)
    built = sale_build(
        storefront_id=storefront_id,
        cashier_id=cashier_id,
        lines=lines,
        payments=payments,
        sale_discount=sale_discount,
        origin=origin,
        sale_id=sale_id,
        occurred_at=occurred_at,
        now=now,
        client_totals=client_totals,
        shift_id=shift_id,
        note=note,
        context=context,
        settings=settings,
        methods=methods,
    )
    if not terminal:
        built.receipt_prefix = f"{storefront_code}-{built.sale['business_date']:%y%m%d}-"
    (written,) = sales_write(built=[built], now=now)
    sale = Sale(**{**built.sale, "receipt_number": written.receipt_number})
    sale.conflicts = [c.as_json() for c in written.conflicts]
    payment_rows = [Payment(**row) for row in built.payments]
    for payment in payment_rows:  # cached for the response, as the methods are loaded already
        payment.method = next(m for m in methods.values() if m.pk == payment.method_id)
    return RecordedSale(
        sale=sale,
        lines=[SaleLine(**row) for row in built.lines],
        payments=payment_rows,
        conflicts=written.conflicts,
    )


def sale_build(
    *,
    storefront_id: uuid.UUID,
    cashier_id: uuid.UUID,
    lines: Sequence[SaleLineInput],
    payments: Sequence[PaymentInput],
    sale_discount: Decimal,
    origin: Origin,
    sale_id: uuid.UUID,
    occurred_at: dt.datetime,
    now: dt.datetime,
    client_totals: ClientTotals | None,
    shift_id: uuid.UUID | None,
    note: str,
    context: PricingContext,
    settings: ShopSettings,
    methods: dict[str, PaymentMethod],
    zone: ZoneInfo | None = None,
) -> BuiltSale:
    """The money rules of a sale, without the database: prices at ``occurred_at`` (from the
    preloaded ``context``), taxes, discounts, payments and change, client figures compared, and
    the rows to write, ready for ``sales_write``. Raises the same errors as :func:`sale_record`
    for what is refused; returns the conflicts of a terminal sale that depend only on its own
    data (price, totals, payments). ``zone``: the shop's time zone, for a caller that builds
    many sales (else read from the active tenant)."""
    terminal = origin.is_terminal
    minor_unit = settings.minor_unit
    if terminal and (origin.terminal_id is None or not RECEIPT_PATTERN.match(origin.receipt_number or "")):
        raise SaleInvalid(
            gettext_noop(
                "A terminal sale carries its terminal id and receipt number (letters, digits, - _ / ., at "
                "most 48)."
            ),
            details={"field": "receipt_number"},
        )
    _check_shape(lines, payments, sale_discount, minor_unit)
    # Catalog facts and prices at the sale's time.
    codes = sorted({p.method for p in payments})
    unknown = sorted({str(line.product_id) for line in lines if line.product_id not in context.products})
    if unknown:
        raise ProductNotFound(details={"product_ids": unknown})
    if not terminal:
        inactive = sorted({str(x.product_id) for x in lines if not context.products[x.product_id].is_active})
        if inactive:
            raise ProductInactive(details={"product_ids": inactive})
    conflicts: list[ConflictDescriptor] = []
    unit_prices: list[Decimal] = []
    for index, line in enumerate(lines):
        price = context.price(line.product_id, storefront_id, occurred_at)
        if price is None:
            raise ProductNotFound(
                gettext_noop("A line names a product without a price."), details={"line": index}
            )
        unit_prices.append(price)
        if terminal and line.unit_price is not None and line.unit_price != price:
            conflicts.append(
                ConflictDescriptor(
                    "price_mismatch",
                    {
                        "line": index,
                        "product_id": str(line.product_id),
                        "client_unit_price": str(line.unit_price),
                        "server_unit_price": str(price),
                    },
                )
            )
    facts = [context.products[line.product_id] for line in lines]
    totals = price_sale(
        lines=[
            LineInput(
                unit_price=price,
                quantity=line.quantity,
                discount=line.discount,
                tax_category=f.tax_category_id,
            )
            for line, price, f in zip(lines, unit_prices, facts, strict=True)
        ],
        rates=context.rates_at(occurred_at),
        sale_discount=sale_discount,
        prices_include_tax=settings.prices_include_tax,
        minor_unit=minor_unit,
    )

    # Payments.
    unknown_methods = sorted(
        c for c in codes if c not in methods or (not methods[c].is_active and not terminal)
    )
    if unknown_methods:
        raise PaymentMethodUnknown(details={"methods": unknown_methods})
    _check_payment_details(payments, methods)
    if totals.total > ZERO and not payments:
        raise PaymentRequired()
    plan = _plan_payments(payments, methods, due=totals.total, sale_id=sale_id)
    if plan.problem is not None:
        if not terminal:
            raise (Overpaid if plan.problem == "overpaid" else Underpaid)(details=plan.details)
        conflicts.append(ConflictDescriptor("payment_mismatch", {"problem": plan.problem, **plan.details}))

    if client_totals is not None:
        differences = _compare_totals(client_totals, totals)
        if differences and not terminal:
            raise TotalMismatch(details=differences)
        if differences:
            conflicts.append(ConflictDescriptor("total_mismatch", differences))

    # The rows to write.
    sale_lines = [
        {
            "id": uuid.uuid4(),
            "sale_id": sale_id,
            "position": index,
            "product_id": line.product_id,
            "sku": f.sku,
            "name": f.name,
            "quantity": line.quantity,
            "unit_price": price,
            "client_unit_price": line.unit_price
            if line.unit_price is not None and line.unit_price != price
            else None,
            "gross": t.gross,
            "discount": t.discount,
            "sale_discount_share": t.sale_discount_share,
            "net": t.net,
            "tax_total": t.tax,
            "total": t.total,
            "taxes": taxes_as_json(t.taxes),
        }
        for index, (line, price, f, t) in enumerate(zip(lines, unit_prices, facts, totals.lines, strict=True))
    ]
    event = {
        "sale_id": sale_id,
        "kind": SaleEvent.Kind.CREATED,
        "occurred_at": occurred_at,
        "received_at": now,
        "actor_id": cashier_id,
        "terminal_id": origin.terminal_id,
        "amount": totals.total,
        "net": totals.net_total,
        "tax": totals.tax_total,
    }
    stock = [
        MovementInput(
            product_id=line.product_id,
            storefront_id=storefront_id,
            kind="sale",
            quantity=-line.quantity,
            occurred_at=occurred_at,
            sale_id=sale_id,
            actor_id=cashier_id,
        )
        for line, f in zip(lines, facts, strict=True)
        if f.track_stock
    ]
    day = business_date(occurred_at, zone)
    sale = {
        "id": sale_id,
        "storefront_id": storefront_id,
        "cashier_id": cashier_id,
        "shift_id": shift_id,
        "origin": origin.kind,
        "terminal_id": origin.terminal_id,
        "receipt_number": origin.receipt_number or "",
        "business_date": day,
        "occurred_at": occurred_at,
        "received_at": now,
        "prices_include_tax": settings.prices_include_tax,
        "subtotal": totals.subtotal,
        "line_discount_total": totals.line_discount_total,
        "sale_discount": totals.sale_discount,
        "net_total": totals.net_total,
        "tax_total": totals.tax_total,
        "total": totals.total,
        "paid_total": plan.paid,
        "change_total": plan.change,
        "tax_breakdown": [t.as_json() for t in totals.taxes],
        "client_totals": client_totals.as_json() if client_totals is not None else None,
        "conflicts": [],
        "note": note.strip()[:500],
        "payment_method_ids": sorted({row["method_id"] for row in plan.rows}),
    }
    return BuiltSale(
        sale=sale,
        lines=sale_lines,
        payments=plan.rows,
        event=event,
        stock=stock,
        conflicts=conflicts,
        refuse_short=not terminal and not settings.allow_negative_stock,
    )
