from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import NotFound, Throttled, ValidationFailed


class ContactInvalid(ValidationFailed):
    code = "contact_invalid"
    default_message = gettext_noop(
        "The customer's contact is not valid: give customer.phone (with its country code, or a "
        "number of the shop's country) and/or customer.email."
    )


class ReceiptSaleNotFound(NotFound):
    code = "sale_not_found"
    default_message = gettext_noop("No such sale at this shop.")


class ReceiptSendLimit(Throttled):
    code = "receipt_send_limit"
    default_message = gettext_noop("This receipt was sent to too many addresses already.")
