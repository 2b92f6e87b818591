from django.urls import path

from shared_apps.accounts.portal import recovery, views

urlpatterns = [
    path("account", views.account_view, name="portal-account"),
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
    path("welcome", recovery.welcome_view, name="portal-welcome"),
]
