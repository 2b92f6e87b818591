from pos_platform.kernel.errors import Conflict, NotFound, ValidationFailed


class ProductNotFound(NotFound):
    code = "product_not_found"
    default_message = "No such product."


class SkuTaken(Conflict):
    code = "sku_taken"
    default_message = "Another product already uses this SKU."


class BarcodeTaken(Conflict):
    code = "barcode_taken"
    default_message = "Another product already uses this barcode."


class TaxCategoryNotFound(ValidationFailed):
    code = "tax_category_not_found"
    default_message = "No such tax category."


class PriceInvalid(ValidationFailed):
    code = "price_invalid"
    default_message = "A price is zero or more, in the shop's minor unit."


class PriceExists(Conflict):
    code = "price_exists"
    default_message = "A price for this product and storefront already starts at this time."


class ImportRefused(ValidationFailed):
    """Some rows of a catalog file are refused; nothing of the file was imported.
    ``details.rows``: ``[{"line", "sku", "message"}]``."""

    code = "import_refused"
    default_message = "Some rows are refused; nothing was imported. Correct them and import the file again."


class ImportInvalid(ValidationFailed):
    code = "import_invalid"
    default_message = "This is not a catalog file this shop can read."
