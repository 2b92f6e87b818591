from django.urls import path

from shared_apps.signup import apis

urlpatterns = [
    path("signup", apis.SignupApi.as_view(), name="signup"),
    path("signup/slug", apis.SlugApi.as_view(), name="signup-slug"),
    path("signup/<uuid:signup_id>/verify", apis.SignupVerifyApi.as_view(), name="signup-verify"),
    path("signup/<uuid:signup_id>/resend", apis.SignupResendApi.as_view(), name="signup-resend"),
]
