from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import Conflict, NotFound, ValidationFailed


class SlugInvalid(ValidationFailed):
    code = "slug_invalid"
    default_message = gettext_noop(
        "A slug is 3 to 40 characters: lower-case letters, digits and single hyphens, starting "
        "with a letter and not ending with a hyphen."
    )


class SlugReserved(ValidationFailed):
    code = "slug_reserved"
    default_message = gettext_noop("This slug is reserved for the platform.")


class SlugTaken(Conflict):
    code = "slug_taken"
    default_message = gettext_noop("Another tenant already uses this slug.")


class NameInvalid(ValidationFailed):
    code = "name_invalid"
    default_message = gettext_noop("A tenant name is 1 to 200 characters.")


class EmailInvalid(ValidationFailed):
    code = "email_invalid"
    default_message = gettext_noop("This is not a valid email address.")


class DomainInvalid(ValidationFailed):
    code = "domain_invalid"
    default_message = gettext_noop("This is not a valid host name.")


class DomainTaken(Conflict):
    code = "domain_taken"
    default_message = gettext_noop("Another tenant is already served at this host.")


class TenantNotFound(NotFound):
    code = "tenant_not_found"
    default_message = gettext_noop("No such tenant.")


class TenantStateInvalid(Conflict):
    code = "tenant_state_invalid"
    default_message = gettext_noop("The tenant is not in a state that allows this.")


class ConfirmationRequired(ValidationFailed):
    code = "confirmation_required"
    default_message = gettext_noop("This action needs explicit confirmation.")


class CountryInvalid(ValidationFailed):
    code = "country_invalid"
    default_message = gettext_noop("The country is an ISO 3166 two-letter code, e.g. GH, CI, KE.")


class CurrencyInvalid(ValidationFailed):
    code = "currency_invalid"
    default_message = gettext_noop(
        "The currency is an ISO 4217 code with at most two decimals, e.g. GHS, XOF, KES."
    )


class TimeZoneInvalid(ValidationFailed):
    code = "timezone_invalid"
    default_message = gettext_noop("The time zone is an IANA name, e.g. Africa/Accra.")


class CurrencyLocked(Conflict):
    code = "currency_locked"
    default_message = gettext_noop("The currency cannot change once the shop has sales or invoices.")


class DomainNotFound(NotFound):
    code = "domain_not_found"
    default_message = gettext_noop("The tenant is not served at this host.")


class DomainLast(Conflict):
    code = "domain_last"
    default_message = gettext_noop("A tenant keeps at least one host; add another before removing this one.")


class NothingToUpdate(ValidationFailed):
    code = "nothing_to_update"
    default_message = gettext_noop(
        "Give at least one change (--name, --currency, --timezone, --country, --add-domain, --remove-domain)."
    )
