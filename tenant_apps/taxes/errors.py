from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import Conflict, NotFound, ValidationFailed


class TaxCategoryNotFound(NotFound):
    code = "tax_category_not_found"
    default_message = gettext_noop("No such tax category.")


class TaxCategoryCodeTaken(Conflict):
    code = "tax_category_code_taken"
    default_message = gettext_noop("Another tax category already uses this code.")


class TaxRateNotFound(NotFound):
    code = "tax_rate_not_found"
    default_message = gettext_noop("No such tax rate.")


class TaxRateInvalid(ValidationFailed):
    code = "tax_rate_invalid"
    default_message = gettext_noop("A tax rate is a percentage from 0 to 100 with at most 4 decimals.")


class TaxRateOverlap(Conflict):
    code = "tax_rate_overlap"
    default_message = gettext_noop("Another rate with this code is in force in the same period.")


class TaxRateEnded(Conflict):
    code = "tax_rate_ended"
    default_message = gettext_noop("This rate already ends at or before that time.")
