from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import Conflict, ValidationFailed


class SignupInvalid(ValidationFailed):
    code = "signup_invalid"
    default_message = gettext_noop("This sign-up is unknown, expired or already used; start again.")


class SignupCodeInvalid(ValidationFailed):
    code = "signup_code_invalid"
    default_message = gettext_noop("The code is not correct.")


class SignupCredentialsInvalid(Conflict):
    code = "signup_credentials_invalid"
    default_message = gettext_noop(
        "This e-mail already has an account on the platform: give that account's password to open "
        "the shop with it."
    )


class SignupResendLimit(Conflict):
    code = "signup_resend_limit"
    default_message = gettext_noop("The code was sent too many times; start again.")
