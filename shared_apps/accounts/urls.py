"""The accounts API, under /api/v1/ at a tenant's host."""

from django.urls import path

from shared_apps.accounts import apis

urlpatterns = [
    path("auth/login", apis.LoginApi.as_view(), name="auth-login"),
    path("auth/mfa/verify", apis.MfaVerifyApi.as_view(), name="auth-mfa-verify"),
    path("auth/invitation/accept", apis.InvitationAcceptApi.as_view(), name="auth-invitation-accept"),
    path("auth/logout", apis.LogoutApi.as_view(), name="auth-logout"),
    path("auth/me", apis.MeApi.as_view(), name="auth-me"),
    path("auth/password", apis.PasswordChangeApi.as_view(), name="auth-password"),
    path("auth/password-reset", apis.PasswordResetRequestApi.as_view(), name="auth-password-reset"),
    path(
        "auth/password-reset/confirm",
        apis.PasswordResetConfirmApi.as_view(),
        name="auth-password-reset-confirm",
    ),
    path("auth/mfa/totp", apis.MfaTotpBeginApi.as_view(), name="auth-mfa-totp"),
    path("auth/mfa/totp/confirm", apis.MfaTotpConfirmApi.as_view(), name="auth-mfa-totp-confirm"),
    path("auth/mfa/backup-codes", apis.MfaBackupCodesApi.as_view(), name="auth-mfa-backup-codes"),
    path("auth/mfa/disable", apis.MfaDisableApi.as_view(), name="auth-mfa-disable"),
    path("auth/tokens", apis.TokenListApi.as_view(), name="auth-tokens"),
    path("auth/tokens/<uuid:token_id>/revoke", apis.TokenRevokeApi.as_view(), name="auth-token-revoke"),
    path("staff", apis.StaffListApi.as_view(), name="staff-list"),
    path("staff/<uuid:membership_id>", apis.StaffDetailApi.as_view(), name="staff-detail"),
    path("staff/<uuid:membership_id>/deactivate", apis.StaffDeactivateApi.as_view(), name="staff-deactivate"),
    path("staff/<uuid:membership_id>/reactivate", apis.StaffReactivateApi.as_view(), name="staff-reactivate"),
    path("staff/<uuid:membership_id>/invitation", apis.StaffInvitationApi.as_view(), name="staff-invitation"),
    path("staff/<uuid:membership_id>/tokens", apis.StaffTokensApi.as_view(), name="staff-tokens"),
    path("staff/<uuid:membership_id>/mfa-reset", apis.StaffMfaResetApi.as_view(), name="staff-mfa-reset"),
    path(
        "staff/<uuid:membership_id>/tokens/revoke",
        apis.StaffTokensRevokeApi.as_view(),
        name="staff-tokens-revoke",
    ),
]
