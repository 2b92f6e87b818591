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
    """Give the user this role at the tenant, without checks (platform CLI, provisioning).

    The staff API goes through :mod:`shared_apps.accounts.services.staff`, which enforces who may
    grant what. An owner is never limited to a storefront nor expiring.
    """
    defaults: dict[str, object] = {"role": role}
    if role == Membership.Role.OWNER:
        defaults.update(storefront_id=None, expires_at=None, is_active=True)
    membership, _ = Membership.objects.update_or_create(user=user, tenant_id=tenant_id, defaults=defaults)
    return membership
