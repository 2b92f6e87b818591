"""Errors of sign-in, MFA, tokens and staff management (codes documented in docs/errors.md)."""

from django.utils.translation import gettext_noop

from pos_platform.kernel.errors import (
    ApplicationError,
    Conflict,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
    ValidationFailed,
)


class InvalidCredentials(NotAuthenticated):
    code = "invalid_credentials"
    # The same words whether the email is unknown, the password wrong or the person not staff here.
    default_message = gettext_noop("Email or password is not correct.")


class MfaChallengeInvalid(NotAuthenticated):
    code = "mfa_challenge_invalid"
    default_message = gettext_noop("This sign-in has expired or was already completed; sign in again.")


class SignInUnavailable(ServiceUnavailable):
    code = "sign_in_unavailable"
    # The API's MFA step keeps its challenge in Redis; without it the code could not be checked.
    default_message = gettext_noop(
        "Signing in with a code is briefly unavailable; nothing was changed. Try again in a few "
        "seconds, or sign in on the portal."
    )
    retry_after = 10


class MfaCodeInvalid(ApplicationError):
    code = "mfa_code_invalid"
    status = 401
    default_message = gettext_noop("The code is not correct, or was already used.")


class MfaEnrollmentRequired(PermissionDenied):
    code = "mfa_enrollment_required"
    default_message = gettext_noop(
        "Your role requires two-factor authentication: set up an authenticator app first (POST "
        "/api/v1/auth/mfa/totp, or /portal/mfa/setup)."
    )


class MfaNotEnrolled(Conflict):
    code = "mfa_not_enrolled"
    default_message = gettext_noop("Two-factor authentication is not set up for this account.")


class MfaSetupNotStarted(Conflict):
    code = "mfa_setup_not_started"
    default_message = gettext_noop("Start the authenticator set-up first (POST /api/v1/auth/mfa/totp).")


class MfaCodeRequired(ValidationFailed):
    code = "mfa_code_required"
    default_message = gettext_noop(
        "A current code from your authenticator app (or a backup code) is required."
    )


class RoleAboveOwn(PermissionDenied):
    code = "role_above_own"
    default_message = gettext_noop(
        "You cannot grant a role above your own, or change a member whose role is above yours."
    )


class ScopeOutsideOwn(PermissionDenied):
    code = "scope_outside_own"
    default_message = gettext_noop("You can only manage staff of the storefront you are limited to.")


class OwnerScopeInvalid(ValidationFailed):
    code = "owner_scope_invalid"
    default_message = gettext_noop("An owner answers for the whole shop: no storefront limit and no expiry.")


class StorefrontInvalid(ValidationFailed):
    code = "storefront_invalid"
    default_message = gettext_noop("No active storefront of this shop has this id.")


class AlreadyMember(Conflict):
    code = "already_member"
    default_message = gettext_noop("This person is already on the staff of this shop.")


class LastOwner(Conflict):
    code = "last_owner"
    default_message = gettext_noop("The shop's last active owner cannot be demoted, limited or deactivated.")


class MemberNotFound(NotFound):
    code = "member_not_found"
    default_message = gettext_noop("No staff member of this shop has this id.")


class TokenNotFound(NotFound):
    code = "token_not_found"
    default_message = gettext_noop("No token with this id.")


class InvitationInvalid(ValidationFailed):
    code = "invitation_invalid"
    default_message = gettext_noop("This invitation code is not valid, has expired or was already used.")


class InvitationNotNeeded(Conflict):
    code = "invitation_not_needed"
    default_message = gettext_noop("This person has accepted the invitation already.")


class InvitationPending(Conflict):
    code = "invitation_pending"
    default_message = gettext_noop(
        "This person has not accepted the invitation yet; it activates when they do."
    )


class PasswordInvalid(ValidationFailed):
    code = "password_invalid"
    default_message = gettext_noop("The password is not acceptable; see details.")


class PasswordIncorrect(ValidationFailed):
    # 400, not 401: the request is authenticated (token or session); only the typed password is
    # wrong, and a client must not take it for a dead credential and sign the person out.
    code = "password_incorrect"
    default_message = gettext_noop("The current password is not correct.")


class ResetTokenInvalid(ValidationFailed):
    code = "reset_token_invalid"
    default_message = gettext_noop(
        "This link is not valid: it has expired, was already used, or is of another shop. Ask for a new one."
    )


class MfaResetElsewhere(Conflict):
    code = "mfa_reset_elsewhere"
    default_message = gettext_noop(
        "This person also works at another shop, where their authenticator protects them too; "
        "platform support resets it after checking their identity."
    )


class MfaResetSelf(ValidationFailed):
    code = "mfa_reset_self"
    default_message = gettext_noop(
        "Manage your own authenticator under MFA settings (or with a backup code)."
    )
