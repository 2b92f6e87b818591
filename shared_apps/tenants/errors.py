from pos_platform.kernel.errors import Conflict, NotFound, ValidationFailed


class SlugInvalid(ValidationFailed):
    code = "slug_invalid"
    default_message = (
        "A slug is 3 to 40 characters: lower-case letters, digits and single hyphens, "
        "starting with a letter and not ending with a hyphen."
    )


class SlugReserved(ValidationFailed):
    code = "slug_reserved"
    default_message = "This slug is reserved for the platform."


class SlugTaken(Conflict):
    code = "slug_taken"
    default_message = "Another tenant already uses this slug."


class NameInvalid(ValidationFailed):
    code = "name_invalid"
    default_message = "A tenant name is 1 to 200 characters."


class EmailInvalid(ValidationFailed):
    code = "email_invalid"
    default_message = "This is not a valid email address."


class DomainInvalid(ValidationFailed):
    code = "domain_invalid"
    default_message = "This is not a valid host name."


class DomainTaken(Conflict):
    code = "domain_taken"
    default_message = "Another tenant is already served at this host."


class TenantNotFound(NotFound):
    code = "tenant_not_found"
    default_message = "No such tenant."


class TenantStateInvalid(Conflict):
    code = "tenant_state_invalid"
    default_message = "The tenant is not in a state that allows this."


class ConfirmationRequired(ValidationFailed):
    code = "confirmation_required"
    default_message = "This action needs explicit confirmation."
