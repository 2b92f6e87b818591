"""Sales writes: record, void, refund; payment methods. See docs/pos.md for the rules."""

from tenant_apps.sales.services.events import RefundLineInput, sale_refund, sale_void
from tenant_apps.sales.services.payment_methods import payment_method_create, payment_method_update
from tenant_apps.sales.services.sale import (
    ONLINE,
    ClientTotals,
    ConflictDescriptor,
    Origin,
    PaymentInput,
    RecordedSale,
    SaleLineInput,
    sale_record,
)

__all__ = [
    "ONLINE",
    "ClientTotals",
    "ConflictDescriptor",
    "Origin",
    "PaymentInput",
    "RecordedSale",
    "RefundLineInput",
    "SaleLineInput",
    "payment_method_create",
    "payment_method_update",
    "sale_record",
    "sale_refund",
    "sale_void",
]
