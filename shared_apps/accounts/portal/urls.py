from django.urls import path

from shared_apps.accounts.portal import views

urlpatterns = [
    path("account", views.account_view, name="portal-account"),
    path("login", views.login_view, name="portal-login"),
    path("otp", views.otp_view, name="portal-otp"),
    path("mfa/setup", views.mfa_setup_view, name="portal-mfa-setup"),
    path("mfa/backup-codes", views.backup_codes_view, name="portal-backup-codes"),
    path("password", views.password_view, name="portal-password"),
    path("logout", views.logout_view, name="portal-logout"),
    path("invitation", views.invitation_view, name="portal-invitation"),
]
