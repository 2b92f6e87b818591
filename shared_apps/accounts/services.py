from __future__ import annotations

import secrets

from django.db import transaction

from shared_apps.accounts.models import Membership, User


def one_time_password() -> str:
    """A password shown once to a new user, who should change it at first sign-in."""
    return secrets.token_urlsafe(12)


@transaction.atomic
def user_get_or_create(*, email: str) -> tuple[User, str | None]:
    """The user with this email, or a new one; a new user's one-time password is returned once."""
    email = email.strip().lower()
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, None
    password = one_time_password()
    user = User.objects.create_user(email=email, password=password)
    return user, password


@transaction.atomic
def membership_grant(*, user: User, tenant_id: int, role: str) -> Membership:
    membership, _ = Membership.objects.update_or_create(
        user=user, tenant_id=tenant_id, defaults={"role": role}
    )
    return membership
