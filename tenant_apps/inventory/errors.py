from pos_platform.kernel.errors import Conflict, ValidationFailed


class StockInvalid(ValidationFailed):
    code = "stock_invalid"
    default_message = "The stock operation is not valid."


class ProductNotStocked(ValidationFailed):
    code = "product_not_stocked"
    default_message = "A line names a product that is unknown or does not track stock."


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    default_message = "Not enough stock."


class OperationExists(Conflict):
    code = "operation_exists"
    default_message = "A stock operation with this id already exists."
