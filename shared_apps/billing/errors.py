"""Billing's errors; codes are listed in docs/errors.md."""

from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import (
    ApplicationError,
    Conflict,
    NotAuthenticated,
    NotFound,
    ValidationFailed,
)


class CurrencyInvalid(ValidationFailed):
    code = "currency_invalid"
    default_message = gettext_noop(
        "A currency is an ISO 4217 code of three capital letters with 0 to 2 decimal places."
    )


class AmountInvalid(ValidationFailed):
    code = "amount_invalid"
    default_message = gettext_noop(
        "An amount is a non-negative number with no more decimals than the currency has."
    )


class TierInvalid(ValidationFailed):
    code = "tier_invalid"
    default_message = gettext_noop(
        "A tier covers 1 or more storefronts, and its maximum is not below its minimum."
    )


class TierOverlap(Conflict):
    code = "tier_overlap"
    default_message = gettext_noop("This tier overlaps an active tier of the same currency.")


class TierGap(Conflict):
    code = "tier_gap"
    default_message = gettext_noop("Active tiers must cover 1, 2, 3, ... storefronts without a gap.")


class TaxRateInvalid(ValidationFailed):
    code = "tax_rate_invalid"
    default_message = gettext_noop(
        "A rate has a lower-case code, a name, a kind, a percentage from 0 to 100 and a date."
    )


class TaxRateExists(Conflict):
    code = "tax_rate_exists"
    default_message = gettext_noop("This currency already has a rate with this code from this date.")


class NoPricingTier(Conflict):
    code = "no_pricing_tier"
    default_message = gettext_noop(
        "No active pricing tier covers this tenant's storefront count in its currency."
    )


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"
    default_message = gettext_noop("This shop has no subscription yet.")


class InvoiceNotFound(NotFound):
    code = "invoice_not_found"
    default_message = gettext_noop("No such invoice.")


class InvoiceImmutable(Conflict):
    code = "invoice_immutable"
    default_message = gettext_noop("An issued invoice cannot be changed.")


class WebhookNotConfigured(ApplicationError):
    code = "webhook_not_configured"
    status = 503
    default_message = gettext_noop("Payment notifications are not configured on this platform.")


class WebhookSignatureInvalid(NotAuthenticated):
    code = "webhook_signature_invalid"
    default_message = gettext_noop("The signature of this notification is missing or wrong.")


class WebhookPayloadInvalid(ValidationFailed):
    code = "webhook_payload_invalid"
    default_message = gettext_noop("The notification is not a payment event this platform understands.")


class PaymentAmountMismatch(ValidationFailed):
    code = "payment_amount_mismatch"
    default_message = gettext_noop("The amount paid is not the invoice's total.")


class PaymentCurrencyMismatch(ValidationFailed):
    code = "payment_currency_mismatch"
    default_message = gettext_noop("The payment's currency is not the invoice's.")
