"""Input and output shapes of the accounts API (``ErrorOutput`` is the one error shape of the API)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from pos_platform.api.inputs import InputSerializer
from shared_apps.accounts.models import ApiToken, Membership
from shared_apps.accounts.tokens import token_idle_expires_at

# ---- sign-in --------------------------------------------------------------------------------


class LoginInput(InputSerializer):
    email = serializers.CharField(max_length=254)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    token_name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="A label, e.g. the device."
    )


class MfaVerifyInput(InputSerializer):
    challenge = serializers.CharField(max_length=200)
    code = serializers.CharField(
        max_length=40, help_text="A 6-digit authenticator code, or one of the backup codes."
    )


class InvitationAcceptInput(InputSerializer):
    code = serializers.CharField(max_length=200)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True)


class InvitationAcceptOutput(serializers.Serializer):
    email = serializers.EmailField()


class PasswordChangeInput(InputSerializer):
    current_password = serializers.CharField(max_length=4096, trim_whitespace=False)
    new_password = serializers.CharField(
        max_length=4096,
        trim_whitespace=False,
        help_text="At least 10 characters, not a common or all-digit password, not like your email.",
    )


class PasswordChangedOutput(serializers.Serializer):
    revoked_tokens = serializers.IntegerField(
        help_text="Your other API tokens, at every shop, now revoked; the one of this request is kept."
    )


class PasswordResetRequestInput(InputSerializer):
    email = serializers.CharField(max_length=254)


class PasswordResetRequestOutput(serializers.Serializer):
    detail = serializers.CharField()


class PasswordResetConfirmInput(InputSerializer):
    token = serializers.CharField(max_length=200, help_text="The token of the link that was e-mailed.")
    new_password = serializers.CharField(
        max_length=4096,
        trim_whitespace=False,
        help_text="At least 10 characters, not a common or all-digit password, not like your email.",
    )


class UserOutput(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class MembershipBriefOutput(serializers.Serializer):
    id = serializers.UUIDField()
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    storefront_id = serializers.UUIDField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)


class TokenIssuedOutput(serializers.Serializer):
    """A completed sign-in."""

    mfa_required = serializers.BooleanField(help_text="Always false here: the sign-in is complete.")
    token = serializers.CharField(help_text="Send as `Authorization: Bearer <token>`. Shown once.")
    token_id = serializers.UUIDField()
    expires_at = serializers.DateTimeField(help_text="Absolute expiry.")
    idle_expires_at = serializers.DateTimeField(help_text="Expiry if the token is not used before.")
    mfa_enrollment_required = serializers.BooleanField(
        help_text="Your role requires MFA and you have none yet: only the enrollment endpoints work."
    )
    user = UserOutput()
    membership = MembershipBriefOutput()


class MfaChallengeOutput(serializers.Serializer):
    """The password was right; an OTP code is needed."""

    mfa_required = serializers.BooleanField(help_text="Always true here.")
    challenge = serializers.CharField(help_text="Pass to POST /api/v1/auth/mfa/verify with the code.")
    challenge_expires_at = serializers.DateTimeField()


def login_output(result: Any) -> dict[str, Any]:
    if result.challenge is not None:
        return MfaChallengeOutput(
            {
                "mfa_required": True,
                "challenge": result.challenge,
                "challenge_expires_at": result.challenge_expires_at,
            }
        ).data
    token = result.token.token
    return TokenIssuedOutput(
        {
            "mfa_required": False,
            "token": result.token.raw,
            "token_id": token.pk,
            "expires_at": token.expires_at,
            "idle_expires_at": token_idle_expires_at(token),
            "mfa_enrollment_required": result.mfa_enrollment_required,
            "user": result.user,
            "membership": result.membership,
        }
    ).data


# ---- me and MFA -----------------------------------------------------------------------------


class MfaStateOutput(serializers.Serializer):
    # Shadows Field.required on the class only; DRF's metaclass moves declared fields away.
    required = serializers.BooleanField(help_text="Your role requires MFA.")  # type: ignore[assignment]
    enrolled = serializers.BooleanField(help_text="An authenticator app is set up.")
    setup_pending = serializers.BooleanField(help_text="An authenticator set-up awaits its first code.")
    backup_codes_remaining = serializers.IntegerField()


class TenantBriefOutput(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class MeOutput(serializers.Serializer):
    user = UserOutput()
    membership = MembershipBriefOutput()
    tenant = TenantBriefOutput()
    mfa = MfaStateOutput()


class CodeInput(InputSerializer):
    code = serializers.CharField(max_length=40, help_text="A fresh authenticator code or a backup code.")


class TotpBeginInput(InputSerializer):
    code = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        help_text=(
            "Only when replacing an authenticator: a fresh code from the current one (or a backup code)."
        ),
    )


class TotpSetupOutput(serializers.Serializer):
    secret = serializers.CharField(help_text="Base32 secret, for typing into an app by hand.")
    otpauth_uri = serializers.CharField(help_text="otpauth://totp/... for authenticator apps.")
    qr_svg = serializers.CharField(help_text="The URI as an SVG QR code (data: URI for an <img>).")
    digits = serializers.IntegerField()
    period = serializers.IntegerField()


class TotpConfirmInput(InputSerializer):
    code = serializers.CharField(max_length=12, help_text="The code the app shows now.")


class MfaEnrolledOutput(serializers.Serializer):
    enrolled = serializers.BooleanField()
    backup_codes = serializers.ListField(
        child=serializers.CharField(),
        allow_null=True,
        help_text="Ten single-use codes, shown this once; null when you already had backup codes.",
    )


class BackupCodesOutput(serializers.Serializer):
    backup_codes = serializers.ListField(child=serializers.CharField(), help_text="Shown this once.")


# ---- tokens ---------------------------------------------------------------------------------


class TokenOutput(serializers.ModelSerializer):
    idle_expires_at = serializers.SerializerMethodField()
    current = serializers.SerializerMethodField(help_text="The token this request was made with.")
    user_id = serializers.UUIDField()

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "user_id",
            "prefix",
            "name",
            "created_at",
            "last_used_at",
            "expires_at",
            "idle_expires_at",
            "revoked_at",
            "current",
        ]

    def get_idle_expires_at(self, token: ApiToken) -> Any:
        return serializers.DateTimeField().to_representation(token_idle_expires_at(token))

    def get_current(self, token: ApiToken) -> bool:
        current = self.context.get("current_token_id")
        return current is not None and token.pk == current


class RevokedCountOutput(serializers.Serializer):
    revoked = serializers.IntegerField()


# ---- staff ----------------------------------------------------------------------------------


class StaffOutput(serializers.Serializer):
    id = serializers.UUIDField(help_text="The membership's id.")
    user_id = serializers.UUIDField()
    email = serializers.EmailField(source="user.email")
    full_name = serializers.CharField(source="user.full_name")
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    storefront_id = serializers.UUIDField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    is_active = serializers.BooleanField()
    usable = serializers.SerializerMethodField(help_text="Active and not expired.")
    mfa_enrolled = serializers.SerializerMethodField(help_text="False until the invitation is accepted.")
    invitation_pending = serializers.SerializerMethodField(help_text="Has not accepted the invitation yet.")
    created_at = serializers.DateTimeField()

    def to_representation(self, member: Membership) -> dict[str, Any]:
        data = super().to_representation(member)
        if member.accepted_at is None:
            # Nothing about the person's account (name, authenticator) before they accept: an
            # invitation must not tell a shop what the person does elsewhere on the platform.
            data["full_name"] = ""
        return data

    def get_usable(self, member: Membership) -> bool:
        return member.is_usable()

    def get_mfa_enrolled(self, member: Membership) -> bool:
        return member.accepted_at is not None and bool(getattr(member, "mfa_enrolled", False))

    def get_invitation_pending(self, member: Membership) -> bool:
        return member.accepted_at is None


class StaffInviteInput(InputSerializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=Membership.Role.choices)
    storefront_id = serializers.UUIDField(required=False, allow_null=True, default=None)
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    full_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    phone = serializers.CharField(
        max_length=40,
        required=False,
        allow_blank=True,
        default="",
        help_text="Also send the invitation by SMS to this number (E.164, or of the shop's country).",
    )


class StaffInvitedOutput(serializers.Serializer):
    member = StaffOutput()
    invitation_code = serializers.CharField(
        help_text=(
            "Shown once; the person also receives it by e-mail (and SMS when a phone is given) as a "
            "link to /portal/invitation. They accept with POST /api/v1/auth/invitation/accept or "
            "at /portal/invitation."
        ),
    )
    invitation_expires_at = serializers.DateTimeField()


class StaffUpdateInput(InputSerializer):
    role = serializers.ChoiceField(choices=Membership.Role.choices, required=False)
    storefront_id = serializers.UUIDField(required=False, allow_null=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs:
            raise serializers.ValidationError("Give at least one of role, storefront_id, expires_at.")
        return attrs
