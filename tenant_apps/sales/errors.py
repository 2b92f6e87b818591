"""Stable error codes of sales, payments, voids and refunds (docs/errors.md)."""

from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


class SaleInvalid(ValidationFailed):
    code = "sale_invalid"
    default_message = gettext_noop("The sale is not valid.")


class ProductNotFound(ValidationFailed):
    code = "product_not_found"
    default_message = gettext_noop("A line names a product this shop does not have.")


class ProductInactive(Conflict):
    code = "product_inactive"
    default_message = gettext_noop("A line names a product that is no longer sold.")


class StorefrontInactive(Conflict):
    code = "storefront_inactive"
    default_message = gettext_noop("This storefront is closed; it cannot sell.")


class CashierNotMember(PermissionDenied):
    code = "cashier_not_member"
    default_message = gettext_noop(
        "The cashier is not an active member of this shop allowed to sell at this storefront."
    )


class PaymentMethodUnknown(ValidationFailed):
    code = "payment_method_unknown"
    default_message = gettext_noop(
        "A payment names a payment method this shop does not have or has turned off."
    )


class PaymentInvalid(ValidationFailed):
    code = "payment_invalid"
    default_message = gettext_noop("A payment is missing details its method needs.")


class PaymentRequired(ValidationFailed):
    code = "payment_required"
    default_message = gettext_noop("A sale with an amount due needs at least one payment.")


class Underpaid(Conflict):
    code = "underpaid"
    default_message = gettext_noop("The payments do not cover the sale's total.")


class Overpaid(Conflict):
    code = "overpaid"
    default_message = gettext_noop(
        "Card and mobile money payments cannot exceed the amount due; only cash gives change."
    )


class TotalMismatch(Conflict):
    code = "total_mismatch"
    default_message = gettext_noop(
        "The totals the client expected differ from the server's; review the sale and retry."
    )


class SaleExists(Conflict):
    code = "sale_exists"
    default_message = gettext_noop("A sale with this id already exists.")


class SaleNotFound(NotFound):
    code = "sale_not_found"
    default_message = gettext_noop("No such sale.")


class ShiftNotFoundForSale(ValidationFailed):
    code = "shift_not_found"
    default_message = gettext_noop("No such shift at this storefront.")


class SaleAlreadyVoided(Conflict):
    code = "sale_voided"
    default_message = gettext_noop("This sale is voided.")


class SaleHasRefunds(Conflict):
    code = "sale_has_refunds"
    default_message = gettext_noop("A sale with refunds cannot be voided; refund the rest instead.")


class ShiftClosed(Conflict):
    code = "shift_closed"
    default_message = gettext_noop(
        "The sale's shift is closed; it can no longer be voided. Refund it instead."
    )


class VoidWindowClosed(Conflict):
    code = "void_window_closed"
    default_message = gettext_noop(
        "A sale outside a shift can only be voided on the day it was made. Refund it instead."
    )


class RefundExceedsSold(Conflict):
    code = "refund_exceeds_sold"
    default_message = gettext_noop("This refund would return more than was sold.")


class RefundLineUnknown(ValidationFailed):
    code = "refund_line_unknown"
    default_message = gettext_noop("A refund line names a line that is not part of this sale.")


class EventExists(Conflict):
    code = "event_exists"
    default_message = gettext_noop("An event with this id already exists.")


class PaymentMethodCodeTaken(Conflict):
    code = "payment_method_code_taken"
    default_message = gettext_noop("Another payment method already uses this code.")


class ReasonRequired(ValidationFailed):
    code = "reason_required"
    default_message = gettext_noop("Give a reason.")
