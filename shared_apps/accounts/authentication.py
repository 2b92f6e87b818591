"""Session authentication for the API that honours the OTP step.

A session signed in with a password only is *not verified* (django-otp's ``OTPMiddleware``). For a
user who has an OTP device such a session authenticates nothing: the API treats it as anonymous
until the OTP step is passed (the portal's code page). A user without any device is authenticated
by the password alone, and the permission hook then holds owners and admins at enrollment.
"""

from __future__ import annotations

from typing import Any

from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from shared_apps.accounts.mfa import user_has_otp_device


class OTPSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is None:
            return None
        user = result[0]
        is_verified = getattr(user, "is_verified", None)
        if is_verified is not None and not is_verified() and user_has_otp_device(user):
            return None
        return result
