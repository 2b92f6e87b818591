"""``/portal/`` on the platform host: sign-up."""

from django.urls import path
from django.views.generic import RedirectView

from shared_apps.signup.portal import views

urlpatterns = [
    path("", RedirectView.as_view(url="/portal/signup", permanent=False)),
    path("signup", views.signup_view, name="portal-signup"),
    path("signup/<uuid:signup_id>", views.signup_verify_view, name="portal-signup-verify"),
]
