"""The accounts API at a tenant's host: sign-in, MFA, tokens, staff. Views are thin: parse,
call one service, render."""

from __future__ import annotations

from typing import Any

import django_otp
from django.contrib.auth import logout as session_logout
from django.contrib.auth import update_session_auth_hash
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, PolymorphicProxySerializer, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from pos_platform.api.schema import ErrorOutput
from pos_platform.api.tenant import TenantApiView
from pos_platform.api.views import ApiView, TenantRequest
from pos_platform.kernel.http import client_ip
from shared_apps.accounts import mfa
from shared_apps.accounts.models import ApiToken, Membership
from shared_apps.accounts.permissions import IsTenantMember, can, mfa_required_for
from shared_apps.accounts.serializers import (
    BackupCodesOutput,
    CodeInput,
    InvitationAcceptInput,
    InvitationAcceptOutput,
    LoginInput,
    MeOutput,
    MfaChallengeOutput,
    MfaEnrolledOutput,
    MfaVerifyInput,
    PasswordChangedOutput,
    PasswordChangeInput,
    PasswordResetConfirmInput,
    PasswordResetRequestInput,
    PasswordResetRequestOutput,
    RevokedCountOutput,
    StaffInvitedOutput,
    StaffInviteInput,
    StaffOutput,
    StaffUpdateInput,
    TokenIssuedOutput,
    TokenOutput,
    TotpBeginInput,
    TotpConfirmInput,
    TotpSetupOutput,
    login_output,
)
from shared_apps.accounts.services import auth, password, reset, staff
from shared_apps.accounts.tokens import token_list_live, token_revoke, token_revoke_all

AUTH, MFA, TOKENS, STAFF = "auth", "mfa", "tokens", "staff"

E400 = OpenApiResponse(ErrorOutput, description="`invalid` or another input error; nothing changed.")
E401 = OpenApiResponse(ErrorOutput, description="Not signed in, or bad credentials.")
E403 = OpenApiResponse(
    ErrorOutput,
    description="`permission_denied`, `mfa_enrollment_required` or a staff rule (`role_above_own`…).",
)
E404 = OpenApiResponse(ErrorOutput, description="No such object at this shop.")
E409 = OpenApiResponse(ErrorOutput, description="Conflicts with the current state (`last_owner`…).")
E429 = OpenApiResponse(
    ErrorOutput, description="`throttled`; `details.retry_after` and `Retry-After` say when."
)


def _membership(request: TenantRequest) -> Membership:
    """The caller's membership (these views run after IsTenantMember, which found it)."""
    membership = request.membership
    assert membership is not None
    return membership


def _current_token(request: TenantRequest) -> ApiToken | None:
    return request.auth if isinstance(request.auth, ApiToken) else None


def _mark_session_verified(request: TenantRequest, device: Any) -> None:
    """A session that just proved a code is verified (django-otp), with a fresh session key."""
    if _current_token(request) is None and request.user is not None:
        request._request.session.cycle_key()
        django_otp.login(request._request, device)


# ---- sign-in --------------------------------------------------------------------------------


class _Public(ApiView):
    authentication_classes: list[type] = []
    permission_classes = [AllowAny]
    mfa_exempt = True


class LoginApi(_Public):
    @extend_schema(
        tags=[AUTH],
        summary="Sign in with email and password",
        description=(
            "Answers a bearer token, or - for a user with an authenticator - `mfa_required: true` "
            "with a short-lived `challenge` to complete at `/api/v1/auth/mfa/verify`. A wrong "
            "password, an unknown email and a person who is not staff of this shop all get the "
            "same `401 invalid_credentials`. Throttled per email and per client IP."
        ),
        request=LoginInput,
        responses={
            200: OpenApiResponse(
                PolymorphicProxySerializer(
                    component_name="LoginResult",
                    serializers=[TokenIssuedOutput, MfaChallengeOutput],
                    resource_type_field_name=None,
                ),
                description="Signed in, or a code is needed (`mfa_required`).",
            ),
            400: E400,
            401: E401,
            429: E429,
        },
        examples=[
            OpenApiExample(
                "Request", value={"email": "owner@shop.example", "password": "…"}, request_only=True
            ),
            OpenApiExample(
                "Code needed",
                value={
                    "mfa_required": True,
                    "challenge": "Zq…",
                    "challenge_expires_at": "2025-01-01T10:05:00Z",
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request: TenantRequest) -> Response:
        data = LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = auth.auth_login(
            tenant=request.tenant,
            email=data.validated_data["email"],
            password=data.validated_data["password"],
            token_name=data.validated_data["token_name"],
            ip=client_ip(request),
        )
        return Response(login_output(result))


class MfaVerifyApi(_Public):
    @extend_schema(
        tags=[AUTH],
        summary="Complete a sign-in with an authenticator or backup code",
        request=MfaVerifyInput,
        responses={200: TokenIssuedOutput, 400: E400, 401: E401, 429: E429},
        examples=[OpenApiExample("Code", value={"challenge": "Zq…", "code": "123456"}, request_only=True)],
    )
    def post(self, request: TenantRequest) -> Response:
        data = MfaVerifyInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = auth.auth_mfa_verify(
            tenant=request.tenant,
            challenge=data.validated_data["challenge"],
            code=data.validated_data["code"],
            ip=client_ip(request),
        )
        return Response(login_output(result))


class InvitationAcceptApi(_Public):
    @extend_schema(
        tags=[AUTH],
        summary="Accept an invitation",
        description=(
            "With the code the inviter was given. A person new to the platform chooses their "
            "password here (Django's validators apply); one who already has an account gives their "
            "current password (401 `invalid_credentials` if wrong; it counts toward the sign-in "
            "lock). The membership becomes active."
        ),
        request=InvitationAcceptInput,
        responses={200: InvitationAcceptOutput, 400: E400, 401: E401, 429: E429},
        examples=[
            OpenApiExample(
                "New person",
                value={"code": "K7PQ-M2XD-…", "password": "a long passphrase", "full_name": "Ama Mensah"},
                request_only=True,
            )
        ],
    )
    def post(self, request: TenantRequest) -> Response:
        data = InvitationAcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = auth.invitation_accept(
            tenant=request.tenant,
            code=data.validated_data["code"],
            password=data.validated_data["password"],
            full_name=data.validated_data.get("full_name"),
            ip=client_ip(request),
        )
        return Response(InvitationAcceptOutput({"email": user.email}).data)


RESET_SENT = (
    "If this email belongs to staff of this shop, a link to choose a new password is on its way. "
    "It works once, for a limited time."
)


class PasswordResetRequestApi(_Public):
    @extend_schema(
        tags=[AUTH],
        summary="Ask for a password reset link",
        description=(
            "Answers 202 with the same text whether or not the email belongs to staff of this "
            "shop; only staff get an email, with a link to `/portal/password-reset/confirm` that "
            "works once, at this shop only, for `POS_PASSWORD_RESET_SECONDS`. Throttled per "
            "client IP and per email typed (`429 throttled`)."
        ),
        request=PasswordResetRequestInput,
        responses={202: PasswordResetRequestOutput, 400: E400, 429: E429},
        examples=[OpenApiExample("Request", value={"email": "ama@shop.example"}, request_only=True)],
    )
    def post(self, request: TenantRequest) -> Response:
        data = PasswordResetRequestInput(data=request.data)
        data.is_valid(raise_exception=True)
        reset.password_reset_request(
            tenant=request.tenant,
            email=data.validated_data["email"],
            ip=client_ip(request),
        )
        return Response(
            PasswordResetRequestOutput({"detail": RESET_SENT}).data, status=status.HTTP_202_ACCEPTED
        )


class PasswordResetConfirmApi(_Public):
    @extend_schema(
        tags=[AUTH],
        summary="Choose a new password with a reset link's token",
        description=(
            "`400 reset_token_invalid` for a token that is unknown, used, expired, of another shop "
            "or overtaken by a password change; `400 password_invalid` with `details.password` for "
            "a password the rules refuse. On success every API token of the person, at every shop, "
            "is revoked and their portal sessions are signed out."
        ),
        request=PasswordResetConfirmInput,
        responses={200: PasswordChangedOutput, 400: E400, 429: E429},
        examples=[
            OpenApiExample(
                "New password",
                value={"token": "the token of the link", "new_password": "a long passphrase"},
                request_only=True,
            )
        ],
    )
    def post(self, request: TenantRequest) -> Response:
        data = PasswordResetConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        done = reset.password_reset_confirm(
            tenant=request.tenant,
            token=data.validated_data["token"],
            new_password=data.validated_data["new_password"],
            ip=client_ip(request),
            channel="api",
        )
        return Response(PasswordChangedOutput({"revoked_tokens": done.revoked_tokens}).data)


class LogoutApi(ApiView):
    permission_classes = [IsAuthenticated]
    mfa_exempt = True

    @extend_schema(
        tags=[AUTH],
        summary="Sign out",
        description="Revokes the bearer token of this request, or ends the portal session.",
        request=None,
        responses={204: None, 401: E401},
    )
    def post(self, request: TenantRequest) -> Response:
        auth.auth_logout(user=request.user, token=_current_token(request), ip=client_ip(request))
        if _current_token(request) is None:
            session_logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeApi(ApiView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        tags=[AUTH],
        summary="Change my password",
        description=(
            "Needs the current password. A wrong one answers `400 password_incorrect` and counts "
            "toward the same per-email and per-IP lock as a failed sign-in (`429 throttled` with "
            "`details.retry_after` while locked, even for the right password). A new password "
            "that fails the password rules, or equals the current one, answers "
            "`400 password_invalid` with the reasons in `details.password`. Nothing changes on "
            "any error. On success every other API token of yours, at every shop, is revoked "
            "(the one of this request keeps working) and your portal sessions are signed out; a "
            "portal session calling this stays signed in."
        ),
        request=PasswordChangeInput,
        responses={
            200: PasswordChangedOutput,
            400: OpenApiResponse(
                ErrorOutput,
                description="`password_incorrect`, `password_invalid` or `invalid`; nothing changed.",
            ),
            401: E401,
            403: E403,
            429: E429,
        },
        examples=[
            OpenApiExample(
                "Request",
                value={"current_password": "…", "new_password": "…"},
                request_only=True,
            ),
            OpenApiExample("Changed", value={"revoked_tokens": 2}, response_only=True),
            OpenApiExample(
                "Wrong current password",
                value={
                    "code": "password_incorrect",
                    "message": "The current password is not correct.",
                    "details": None,
                },
                response_only=True,
                status_codes=["400"],
            ),
            OpenApiExample(
                "New password refused",
                value={
                    "code": "password_invalid",
                    "message": "The password is not acceptable; see details.",
                    "details": {
                        "password": ["This password is too short. It must contain at least 10 characters."]
                    },
                },
                response_only=True,
                status_codes=["400"],
            ),
        ],
    )
    def post(self, request: TenantRequest) -> Response:
        data = PasswordChangeInput(data=request.data)
        data.is_valid(raise_exception=True)
        token = _current_token(request)
        changed = password.password_change(
            user=request.user,
            tenant=request.tenant,
            current_password=data.validated_data["current_password"],
            new_password=data.validated_data["new_password"],
            keep_token=token,
            ip=client_ip(request),
            channel="api",
        )
        if token is None:
            # A portal session calling the API stays signed in; the person's other sessions do not.
            update_session_auth_hash(request._request, changed.user)
        return Response(PasswordChangedOutput({"revoked_tokens": changed.revoked_tokens}).data)


def _mfa_state(request: TenantRequest) -> dict[str, Any]:
    user = request.user
    membership = _membership(request)
    return {
        "required": mfa_required_for(membership),
        "enrolled": bool(getattr(membership, "mfa_enrolled", False)),
        "setup_pending": mfa.mfa_totp_pending(user) is not None,
        "backup_codes_remaining": mfa.backup_codes_remaining(user),
    }


class MeApi(ApiView):
    permission_classes = [IsTenantMember]
    mfa_exempt = True

    @extend_schema(
        tags=[AUTH],
        summary="Who am I here",
        description="The signed-in user, their role at this shop and their MFA state.",
        responses={200: MeOutput, 401: E401, 403: E403},
    )
    def get(self, request: TenantRequest) -> Response:
        tenant = request.tenant
        return Response(
            MeOutput(
                {
                    "user": request.user,
                    "membership": _membership(request),
                    "tenant": {"slug": tenant.slug, "name": getattr(tenant, "name", tenant.slug)},
                    "mfa": _mfa_state(request),
                }
            ).data
        )


# ---- MFA ------------------------------------------------------------------------------------


class _Enrolling(ApiView):
    """Endpoints that an owner or admin must reach before they have MFA."""

    permission_classes = [IsTenantMember]
    mfa_exempt = True


def _setup_output(setup: mfa.TotpSetup) -> dict[str, Any]:
    return TotpSetupOutput(
        {
            "secret": setup.secret,
            "otpauth_uri": setup.otpauth_uri,
            "qr_svg": setup.qr_svg,
            "digits": setup.device.digits,
            "period": setup.device.step,
        }
    ).data


class MfaTotpBeginApi(_Enrolling):
    @extend_schema(
        tags=[MFA],
        summary="Start setting up an authenticator app",
        description=(
            "Answers the secret, the `otpauth://` URI and its QR code. Confirm with the first code "
            "at `/api/v1/auth/mfa/totp/confirm`. Replacing an existing authenticator needs a fresh "
            "code from it (or a backup code); the old one keeps working until the new one is confirmed."
        ),
        request=TotpBeginInput,
        responses={201: TotpSetupOutput, 400: E400, 401: E401, 403: E403, 429: E429},
    )
    def post(self, request: TenantRequest) -> Response:
        data = TotpBeginInput(data=request.data)
        data.is_valid(raise_exception=True)
        setup = mfa.mfa_totp_begin(
            user=request.user,
            code=data.validated_data.get("code") or None,
            ip=client_ip(request),
        )
        return Response(_setup_output(setup), status=status.HTTP_201_CREATED)


class MfaTotpConfirmApi(_Enrolling):
    @extend_schema(
        tags=[MFA],
        summary="Confirm the authenticator with its first code",
        description="On the first enrollment the answer carries ten backup codes, shown this once.",
        request=TotpConfirmInput,
        responses={200: MfaEnrolledOutput, 400: E400, 401: E401, 409: E409, 429: E429},
        examples=[OpenApiExample("First code", value={"code": "123456"}, request_only=True)],
    )
    def post(self, request: TenantRequest) -> Response:
        data = TotpConfirmInput(data=request.data)
        data.is_valid(raise_exception=True)
        enrolled = mfa.mfa_totp_confirm(
            user=request.user,
            code=data.validated_data["code"],
            ip=client_ip(request),
            keep_token=_current_token(request),
        )
        _mark_session_verified(request, enrolled.device)
        return Response(MfaEnrolledOutput({"enrolled": True, "backup_codes": enrolled.backup_codes}).data)


class MfaBackupCodesApi(_Enrolling):
    @extend_schema(
        tags=[MFA],
        summary="Replace the backup codes",
        description="Needs a fresh authenticator code (or a backup code). The old codes stop working.",
        request=CodeInput,
        responses={200: BackupCodesOutput, 400: E400, 401: E401, 409: E409, 429: E429},
        examples=[OpenApiExample("Fresh code", value={"code": "123456"}, request_only=True)],
    )
    def post(self, request: TenantRequest) -> Response:
        data = CodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        codes = mfa.mfa_backup_codes_regenerate(
            user=request.user,
            code=data.validated_data["code"],
            ip=client_ip(request),
        )
        return Response(BackupCodesOutput({"backup_codes": codes}).data)


class MfaDisableApi(_Enrolling):
    @extend_schema(
        tags=[MFA],
        summary="Turn MFA off",
        description=(
            "Needs a fresh code. Removes the authenticator and backup codes; owners and admins "
            "can then use only the enrollment endpoints until they set up a new authenticator."
        ),
        request=CodeInput,
        responses={204: None, 400: E400, 401: E401, 409: E409, 429: E429},
        examples=[OpenApiExample("Fresh code", value={"code": "123456"}, request_only=True)],
    )
    def post(self, request: TenantRequest) -> Response:
        data = CodeInput(data=request.data)
        data.is_valid(raise_exception=True)
        mfa.mfa_disable(
            user=request.user,
            code=data.validated_data["code"],
            ip=client_ip(request),
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---- tokens ---------------------------------------------------------------------------------


class TokenListApi(ApiView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        tags=[TOKENS],
        summary="My live tokens at this shop",
        responses={200: TokenOutput(many=True), 401: E401, 403: E403},
    )
    def get(self, request: TenantRequest) -> Response:
        tokens = token_list_live(user_id=request.user.pk, tenant_id=request.tenant.pk)
        current = _current_token(request)
        return Response(
            TokenOutput(tokens, many=True, context={"current_token_id": current.pk if current else None}).data
        )


class TokenRevokeApi(ApiView):
    permission_classes = [IsTenantMember]

    @extend_schema(
        tags=[TOKENS],
        summary="Revoke a token",
        description="Your own token, or (owners) any token issued at this shop.",
        request=None,
        responses={200: TokenOutput, 401: E401, 403: E403, 404: E404},
    )
    def post(self, request: TenantRequest, token_id: str) -> Response:
        membership = _membership(request)
        token = token_revoke(
            token_id=token_id,
            tenant_id=request.tenant.pk,
            actor=request.user,
            user_id=None if can(membership, "token.manage_others") else request.user.pk,
            ip=client_ip(request),
        )
        return Response(TokenOutput(token).data)


# ---- staff ----------------------------------------------------------------------------------


def _member_output(request: TenantRequest, membership_id: Any) -> dict[str, Any]:
    return StaffOutput(staff.staff_get(actor=_membership(request), membership_id=membership_id)).data


def _invited_response(request: TenantRequest, invited: staff.StaffInvited) -> Response:
    member = staff.staff_get(actor=_membership(request), membership_id=invited.membership.pk)
    return Response(
        StaffInvitedOutput(
            {
                "member": member,
                "invitation_code": invited.invitation_code,
                "invitation_expires_at": invited.invitation_expires_at,
            }
        ).data,
        status=status.HTTP_201_CREATED,
    )


class StaffListApi(TenantApiView):
    actions = {"GET": "staff.view", "POST": "staff.manage"}

    @extend_schema(
        tags=[STAFF],
        summary="The shop's staff",
        description="All of it, or only your storefront's when you are limited to one.",
        responses={200: StaffOutput(many=True), 401: E401, 403: E403},
    )
    def get(self, request: TenantRequest) -> Response:
        return Response(StaffOutput(staff.staff_list(actor=_membership(request)), many=True).data)

    @extend_schema(
        tags=[STAFF],
        summary="Invite a staff member",
        description=(
            "Offers a role (never above your own), optionally limited to one storefront and with an "
            "expiry. The answer carries a one-time `invitation_code`, shown only here: the person "
            "accepts with it, and only then is the membership active. The answer is the same "
            "whether or not the email already has an account on the platform."
        ),
        request=StaffInviteInput,
        responses={201: StaffInvitedOutput, 400: E400, 401: E401, 403: E403, 409: E409},
        examples=[
            OpenApiExample(
                "Cashier at one storefront",
                value={
                    "email": "ama@shop.example",
                    "role": "cashier",
                    "storefront_id": "8a3c4c8e-2f7e-4a43-9d55-0d1f2b3c4d5e",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: TenantRequest) -> Response:
        data = StaffInviteInput(data=request.data)
        data.is_valid(raise_exception=True)
        invited = staff.staff_invite(actor=_membership(request), ip=client_ip(request), **data.validated_data)
        return _invited_response(request, invited)


class StaffDetailApi(TenantApiView):
    actions = {"GET": "staff.view", "PATCH": "staff.manage"}

    @extend_schema(tags=[STAFF], summary="One staff member", responses={200: StaffOutput, 404: E404})
    def get(self, request: TenantRequest, membership_id: str) -> Response:
        return Response(_member_output(request, membership_id))

    @extend_schema(
        tags=[STAFF],
        summary="Change a member's role, storefront or expiry",
        description="`null` clears the storefront limit or the expiry. The last owner stays an owner.",
        request=StaffUpdateInput,
        responses={200: StaffOutput, 400: E400, 403: E403, 404: E404, 409: E409},
        examples=[OpenApiExample("Promote", value={"role": "manager"}, request_only=True)],
    )
    def patch(self, request: TenantRequest, membership_id: str) -> Response:
        data = StaffUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        staff.staff_update(
            actor=_membership(request),
            membership_id=membership_id,
            ip=client_ip(request),
            **data.validated_data,
        )
        return Response(_member_output(request, membership_id))


class StaffDeactivateApi(TenantApiView):
    actions = {"POST": "staff.manage"}

    @extend_schema(
        tags=[STAFF],
        summary="Deactivate a member",
        description="They lose access at once and their tokens here are revoked; data is kept.",
        request=None,
        responses={200: StaffOutput, 403: E403, 404: E404, 409: E409},
    )
    def post(self, request: TenantRequest, membership_id: str) -> Response:
        staff.staff_deactivate(actor=_membership(request), membership_id=membership_id, ip=client_ip(request))
        return Response(_member_output(request, membership_id))


class StaffReactivateApi(TenantApiView):
    actions = {"POST": "staff.manage"}

    @extend_schema(
        tags=[STAFF],
        summary="Reactivate a member",
        request=None,
        responses={200: StaffOutput, 403: E403, 404: E404},
    )
    def post(self, request: TenantRequest, membership_id: str) -> Response:
        staff.staff_reactivate(actor=_membership(request), membership_id=membership_id, ip=client_ip(request))
        return Response(_member_output(request, membership_id))


class StaffInvitationApi(TenantApiView):
    actions = {"POST": "staff.manage"}

    @extend_schema(
        tags=[STAFF],
        summary="A new invitation code",
        description="For a member who has not accepted the invitation yet; earlier codes stop working.",
        request=None,
        responses={201: StaffInvitedOutput, 403: E403, 404: E404, 409: E409},
    )
    def post(self, request: TenantRequest, membership_id: str) -> Response:
        invited = staff.staff_invitation_renew(
            actor=_membership(request), membership_id=membership_id, ip=client_ip(request)
        )
        return _invited_response(request, invited)


class StaffMfaResetApi(TenantApiView):
    actions = {"POST": "staff.mfa_reset"}

    @extend_schema(
        tags=[STAFF],
        summary="Reset a member's MFA (a lost phone)",
        description=(
            "Owners only. Removes the member's authenticator and backup codes; they set up a new "
            "one at their next sign-in (owners and admins can do nothing else until then). Their "
            "tokens at this shop are revoked and they are told by e-mail. Refused for yourself "
            "(`400 mfa_reset_self`) and for a person who also works at another shop "
            "(`409 mfa_reset_elsewhere`: platform support resets it after checking identity)."
        ),
        request=None,
        responses={200: StaffOutput, 400: E400, 403: E403, 404: E404, 409: E409},
    )
    def post(self, request: TenantRequest, membership_id: str) -> Response:
        staff.staff_mfa_reset(actor=_membership(request), membership_id=membership_id, ip=client_ip(request))
        return Response(_member_output(request, membership_id))


class StaffTokensApi(TenantApiView):
    actions = {"GET": "token.manage_others"}

    @extend_schema(
        tags=[TOKENS, STAFF],
        summary="A member's live tokens at this shop",
        responses={200: TokenOutput(many=True), 403: E403, 404: E404},
    )
    def get(self, request: TenantRequest, membership_id: str) -> Response:
        member = staff.staff_get(actor=_membership(request), membership_id=membership_id)
        tokens = token_list_live(user_id=member.user_id, tenant_id=member.tenant_id)
        return Response(TokenOutput(tokens, many=True).data)


class StaffTokensRevokeApi(TenantApiView):
    actions = {"POST": "token.manage_others"}

    @extend_schema(
        tags=[TOKENS, STAFF],
        summary="Revoke all of a member's tokens at this shop",
        request=None,
        responses={200: RevokedCountOutput, 403: E403, 404: E404},
    )
    def post(self, request: TenantRequest, membership_id: str) -> Response:
        member = staff.staff_get(actor=_membership(request), membership_id=membership_id)
        count = token_revoke_all(
            user_id=member.user_id,
            tenant_id=member.tenant_id,
            actor=request.user,
            ip=client_ip(request),
            reason="revoked_by_owner",
        )
        return Response(RevokedCountOutput({"revoked": count}).data)
