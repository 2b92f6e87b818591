from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import ApplicationError, NotFound, ValidationFailed


class PhoneInvalid(ValidationFailed):
    code = "phone_invalid"
    default_message = gettext_noop(
        "This is not a valid phone number; give it with its country code, e.g. +233 24 123 4567."
    )


class EmailInvalid(ValidationFailed):
    code = "email_invalid"
    default_message = gettext_noop("This is not a valid email address.")


class ChannelInvalid(ValidationFailed):
    code = "channel_invalid"
    default_message = gettext_noop("The channel is one of email, sms and whatsapp.")


class ContactMissing(ValidationFailed):
    code = "contact_missing"
    default_message = gettext_noop("Give a phone number or an email address to send to.")


class LanguageInvalid(ValidationFailed):
    code = "language_invalid"
    default_message = gettext_noop("The language is one of the platform's languages: en, fr.")


class CategoryInvalid(ValidationFailed):
    code = "category_invalid"
    default_message = gettext_noop("Unknown message category.")


class MessageNotFound(NotFound):
    code = "message_not_found"
    default_message = gettext_noop("No such message.")


class ReportTokenInvalid(ApplicationError):
    code = "report_token_invalid"
    status = 401
    default_message = gettext_noop("The delivery-report address is not valid.")


class ReportsNotConfigured(ApplicationError):
    code = "reports_not_configured"
    status = 503
    default_message = gettext_noop("Delivery reports are not configured on this server.")


class ReportPayloadInvalid(ValidationFailed):
    code = "report_payload_invalid"
    default_message = gettext_noop("The delivery report lacks its message id or status.")
