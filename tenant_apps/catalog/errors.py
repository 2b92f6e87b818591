from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import ApplicationError, Conflict, NotFound, ValidationFailed


class ProductNotFound(NotFound):
    code = "product_not_found"
    default_message = gettext_noop("No such product.")


class SkuTaken(Conflict):
    code = "sku_taken"
    default_message = gettext_noop("Another product already uses this SKU.")


class BarcodeTaken(Conflict):
    code = "barcode_taken"
    default_message = gettext_noop("Another product already uses this barcode.")


class TaxCategoryNotFound(ValidationFailed):
    code = "tax_category_not_found"
    default_message = gettext_noop("No such tax category.")


class PriceInvalid(ValidationFailed):
    code = "price_invalid"
    default_message = gettext_noop("A price is zero or more, in the shop's minor unit.")


class PriceExists(Conflict):
    code = "price_exists"
    default_message = gettext_noop("A price for this product and storefront already starts at this time.")


class ImportRefused(ValidationFailed):
    """Some rows of a catalog file are refused; nothing of the file was imported.
    ``details.rows``: ``[{"line", "sku", "message"}]``."""

    code = "import_refused"
    default_message = gettext_noop(
        "Some rows are refused; nothing was imported. Correct them and import the file again."
    )

    def __init__(self, *, details: Any, row_errors: Sequence[ApplicationError | None] = ()) -> None:
        super().__init__(details=details)
        # Each refused row's error (None: the import's own reason), for a page to show each
        # row's reason in its reader's language; details.rows keeps the English.
        self.row_errors = list(row_errors)


class ImportInvalid(ValidationFailed):
    code = "import_invalid"
    default_message = gettext_noop("This is not a catalog file this shop can read.")
