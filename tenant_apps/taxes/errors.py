from pos_platform.kernel.errors import Conflict, NotFound, ValidationFailed


class TaxCategoryNotFound(NotFound):
    code = "tax_category_not_found"
    default_message = "No such tax category."


class TaxCategoryCodeTaken(Conflict):
    code = "tax_category_code_taken"
    default_message = "Another tax category already uses this code."


class TaxRateNotFound(NotFound):
    code = "tax_rate_not_found"
    default_message = "No such tax rate."


class TaxRateInvalid(ValidationFailed):
    code = "tax_rate_invalid"
    default_message = "A tax rate is a percentage from 0 to 100 with at most 4 decimals."


class TaxRateOverlap(Conflict):
    code = "tax_rate_overlap"
    default_message = "Another rate with this code is in force in the same period."


class TaxRateEnded(Conflict):
    code = "tax_rate_ended"
    default_message = "This rate already ends at or before that time."
