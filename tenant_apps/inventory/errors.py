from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import Conflict, ValidationFailed


class StockInvalid(ValidationFailed):
    code = "stock_invalid"
    default_message = gettext_noop("The stock operation is not valid.")


class ProductNotStocked(ValidationFailed):
    code = "product_not_stocked"
    default_message = gettext_noop("A line names a product that is unknown or does not track stock.")


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    default_message = gettext_noop("Not enough stock.")


class OperationExists(Conflict):
    code = "operation_exists"
    default_message = gettext_noop("A stock operation with this id already exists.")
