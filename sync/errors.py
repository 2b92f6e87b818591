from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import (
    Conflict,
    NotAuthenticated,
    NotFound,
    PayloadTooLarge,
    Throttled,
    Unprocessable,
    ValidationFailed,
)


class TerminalCredentialInvalid(NotAuthenticated):
    code = "terminal_credential_invalid"
    default_message = gettext_noop("The terminal credential is not valid.")


class TerminalRevoked(NotAuthenticated):
    code = "terminal_revoked"
    default_message = gettext_noop("This terminal has been revoked; pair it again to use it.")


class PairingCodeInvalid(ValidationFailed):
    code = "pairing_code_invalid"
    default_message = gettext_noop(
        "This pairing code is not valid or has expired; ask an admin for a new one."
    )


class PairingThrottled(Throttled):
    code = "pairing_throttled"
    default_message = gettext_noop("Too many pairing attempts; wait before trying again.")


class TerminalNotFound(NotFound):
    code = "terminal_not_found"
    default_message = gettext_noop("No such terminal.")


class TerminalCodeTaken(Conflict):
    code = "terminal_code_taken"
    default_message = gettext_noop("Another terminal of this storefront uses this code.")


class TerminalStateInvalid(Conflict):
    code = "terminal_state_invalid"
    default_message = gettext_noop("The terminal is not in a state that allows this.")


class CursorInvalid(ValidationFailed):
    code = "cursor_invalid"
    default_message = gettext_noop(
        "The cursor is not one this server issued for this shop; pull without a cursor."
    )


class BatchMalformed(ValidationFailed):
    code = "batch_malformed"
    default_message = gettext_noop("The batch is not valid JSON in the documented shape.")


class BatchTooLarge(PayloadTooLarge):
    code = "batch_too_large"
    default_message = gettext_noop("The batch has more operations than allowed; split it.")


class RequestTooLarge(PayloadTooLarge):
    code = "request_too_large"
    default_message = gettext_noop("The request body is larger than allowed; split the batch.")


class BatchIdReused(Unprocessable):
    code = "batch_id_reused"
    default_message = gettext_noop("This batch_id was already used for a batch with different content.")


class ConflictNotFound(NotFound):
    code = "conflict_not_found"
    default_message = gettext_noop("No such conflict.")


class ConflictAlreadyResolved(Conflict):
    code = "conflict_already_resolved"
    default_message = gettext_noop("This conflict is already resolved.")


class PinInvalid(ValidationFailed):
    code = "pin_invalid"
    default_message = gettext_noop("A PIN is 4 to 8 digits.")


class PinThrottled(Throttled):
    code = "pin_throttled"
    default_message = gettext_noop("Too many PIN changes; wait before trying again.")
