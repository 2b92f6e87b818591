from pos_platform.kernel.errors import Conflict, NotFound, ValidationFailed


class StorefrontCodeInvalid(ValidationFailed):
    code = "storefront_code_invalid"
    default_message = "A storefront code is 2 to 8 capital letters or digits."


class StorefrontCodeTaken(Conflict):
    code = "storefront_code_taken"
    default_message = "Another storefront already uses this code."


class StorefrontNotFound(NotFound):
    code = "storefront_not_found"
    default_message = "No such storefront."
