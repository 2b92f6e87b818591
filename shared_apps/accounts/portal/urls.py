from django.urls import path

from shared_apps.accounts.portal import recovery, staff, views

urlpatterns = [
    path("account", views.account_view, name="portal-account"),
    path("account/pin", views.account_pin_view, name="portal-account-pin"),
    path("account/pin/later", views.account_pin_later_view, name="portal-account-pin-later"),
    path("login", views.login_view, name="portal-login"),
    path("otp", views.otp_view, name="portal-otp"),
    path("mfa/setup", views.mfa_setup_view, name="portal-mfa-setup"),
    path("mfa/backup-codes", views.backup_codes_view, name="portal-backup-codes"),
    path("password", views.password_view, name="portal-password"),
    path("logout", views.logout_view, name="portal-logout"),
    path("invitation", views.invitation_view, name="portal-invitation"),
    path("password-reset", recovery.password_reset_request_view, name="portal-password-reset"),
    path(
        "password-reset/confirm", recovery.password_reset_confirm_view, name="portal-password-reset-confirm"
    ),
    path("staff/mfa", recovery.staff_mfa_view, name="portal-staff-mfa"),
    path("staff", staff.staff_view, name="portal-staff"),
    path("staff/invite", staff.staff_invite_view, name="portal-staff-invite"),
    path("staff/<uuid:membership_id>", staff.staff_member_view, name="portal-staff-member"),
    path(
        "staff/<uuid:membership_id>/deactivate", staff.staff_deactivate_view, name="portal-staff-deactivate"
    ),
    path(
        "staff/<uuid:membership_id>/reactivate", staff.staff_reactivate_view, name="portal-staff-reactivate"
    ),
    path("staff/<uuid:membership_id>/pin", staff.staff_pin_view, name="portal-staff-pin"),
    path(
        "staff/<uuid:membership_id>/invitation", staff.staff_invitation_view, name="portal-staff-invitation"
    ),
    path(
        "staff/<uuid:membership_id>/tokens/revoke",
        staff.staff_tokens_revoke_view,
        name="portal-staff-tokens-revoke",
    ),
    path(
        "staff/<uuid:membership_id>/sessions/<str:handle>/revoke",
        staff.staff_session_revoke_view,
        name="portal-staff-session-revoke",
    ),
    path("welcome", recovery.welcome_view, name="portal-welcome"),
]
