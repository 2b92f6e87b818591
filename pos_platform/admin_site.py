"""The platform admin: Django's admin on the platform host only, for platform staff who have
passed the OTP step (django-otp's ``OTPAdminSite``). It is never mounted on a tenant's host, and
the platform-staff flag grants nothing inside a tenant."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django_otp.admin import OTPAdminAuthenticationForm, OTPAdminSite


class PlatformAdminLoginForm(OTPAdminAuthenticationForm):
    def confirm_login_allowed(self, user: AbstractBaseUser) -> None:
        if not user.is_active or not getattr(user, "is_platform_staff", False):
            raise ValidationError(
                self.error_messages["invalid_login"], code="invalid_login", params={"username": "email"}
            )


class PlatformAdminSite(OTPAdminSite):
    site_header = "POS platform admin"
    site_title = "POS platform admin"
    index_title = "Platform"
    login_form = PlatformAdminLoginForm

    def __init__(self, name: str = "admin") -> None:
        super().__init__(name)

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        # is_verified is installed on the user by django-otp's OTPMiddleware.
        is_verified = getattr(user, "is_verified", None)
        return bool(
            user.is_active
            and getattr(user, "is_platform_staff", False)
            and is_verified is not None
            and is_verified()
        )
