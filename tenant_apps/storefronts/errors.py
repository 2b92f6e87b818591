from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import Conflict, ValidationFailed


class StorefrontCodeInvalid(ValidationFailed):
    code = "storefront_code_invalid"
    default_message = gettext_noop("A storefront code is 2 to 8 capital letters or digits.")


class StorefrontCodeTaken(Conflict):
    code = "storefront_code_taken"
    default_message = gettext_noop("Another storefront already uses this code.")


class StorefrontNotFound(ValidationFailed):
    """The storefront a request names (in its body or query) is not one of this shop's. A
    storefront missing from a URL's path is a plain ``404 not_found``."""

    code = "storefront_not_found"
    default_message = gettext_noop("No such storefront in this shop.")
