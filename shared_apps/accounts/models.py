"""Users live in the public schema: one person can work for several tenants."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.contrib.sessions.base_session import AbstractBaseSession
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("is_platform_staff", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    full_name = models.CharField(max_length=200, blank=True, default="")
    is_active = models.BooleanField(default=True)
    # Django admin access.
    is_staff = models.BooleanField(default=False)
    # Platform staff operate the platform (CLI, platform admin); they are not tenant staff.
    is_platform_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    if TYPE_CHECKING:
        # Set on request.user by django-otp's middleware: whether this session passed the OTP step.
        def is_verified(self) -> bool: ...


class Membership(models.Model):
    """A user's role at one tenant."""

    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        ADMIN = "admin", _("Admin")
        MANAGER = "manager", _("Manager")
        CASHIER = "cashier", _("Cashier")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    # Limits the member to one storefront of the tenant (a row in the tenant's schema, so no FK).
    storefront_id = models.UUIDField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    invited_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    # When the person accepted the invitation (with its code); null while the invitation is pending:
    # the membership is then inactive and shows the inviter nothing about the person's account.
    # Memberships made by the platform (a tenant's owner) are accepted when made.
    accepted_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "tenant"], name="accounts_membership_user_tenant_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "admin", "manager", "cashier"]),
                name="accounts_membership_role_valid",
            ),
            # An owner answers for the whole shop: never limited to a storefront, never expiring.
            models.CheckConstraint(
                condition=~models.Q(role="owner")
                | models.Q(storefront_id__isnull=True, expires_at__isnull=True),
                name="accounts_membership_owner_unscoped",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "role"], name="accounts_member_tenant_role")]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.tenant_id}:{self.role}"

    def is_usable(self, at: datetime | None = None) -> bool:
        """Active and not expired: only such a membership grants anything."""
        at = at or timezone.now()
        return self.is_active and (self.expires_at is None or self.expires_at > at)


class ApiToken(models.Model):
    """An opaque API credential of one user at one tenant, stored as a SHA-256 digest.

    The raw token (``pos_<prefix>_<secret>``) is shown once when issued. A token is useless at any
    other tenant than the one that issued it.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="api_tokens")
    # First characters of the token, to name it in lists without revealing it.
    prefix = models.CharField(max_length=16)
    digest = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "tenant"], name="accounts_token_user_tenant")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user_id})"


class Invitation(models.Model):
    """A one-time code with which an invited person chooses their password.

    Only the SHA-256 digest of the code is kept; the code is shown once, to the inviter.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="invitations")
    digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"invitation {self.membership_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class MembershipHistory(models.Model):
    """Every state a membership has been in, and from when.

    Written by database triggers (migration 0004) on every change of a membership or of its user,
    whatever made the change. Offline operations arrive hours after they happened: they are judged
    against the member's rights at the time they happened, not at upload.
    """

    id = models.BigAutoField(primary_key=True)
    membership_id = models.UUIDField()
    # Plain ids: history outlives a deleted membership; a deleted tenant's rows are removed with it.
    tenant_id = models.BigIntegerField()
    user_id = models.UUIDField()
    role = models.CharField(max_length=16)
    storefront_id = models.UUIDField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    # The membership was active and so was the user's account (false once deleted).
    is_active = models.BooleanField()
    valid_from = models.DateTimeField()

    class Meta:
        ordering = ["tenant_id", "user_id", "valid_from", "id"]
        indexes = [
            models.Index(fields=["tenant_id", "user_id", "valid_from"], name="accounts_history_lookup"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}@{self.tenant_id}:{self.role} from {self.valid_from:%Y-%m-%d %H:%M}"


class PasswordReset(models.Model):
    """A one-time link to choose a password at one shop: a reset asked for by e-mail, or a new
    owner's first password. Only the SHA-256 digest of the token is kept. ``fingerprint`` is the
    user's session auth hash when it was issued: a password set meanwhile makes it useless."""

    class Purpose(models.TextChoices):
        RESET = "reset", "Password reset"
        WELCOME = "welcome", "New owner's first password"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.RESET)
    digest = models.CharField(max_length=64, unique=True)
    fingerprint = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "tenant"], name="accounts_reset_user_tenant")]

    def __str__(self) -> str:
        return f"{self.purpose} of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"


class PortalSession(AbstractBaseSession):
    """A back-office session (Django's database session) with whose it is and at which shop, so
    that an owner can list a member's sessions and end them (``shared_apps.accounts.sessions``)."""

    user_id = models.UUIDField(null=True, blank=True)
    tenant_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "accounts_portal_session"
        indexes = [models.Index(fields=["user_id", "tenant_id"], name="accounts_session_user_tenant")]
