"""A trader's sign-up, waiting for the code that proves their e-mail or phone."""

from __future__ import annotations

import uuid

from django.db import models


class SignupRequest(models.Model):
    class Channel(models.TextChoices):
        EMAIL = "email", "E-mail"
        SMS = "sms", "SMS"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    shop_name = models.CharField(max_length=200)
    slug = models.CharField(max_length=40)
    email = models.EmailField(max_length=254)
    phone = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    language = models.CharField(max_length=8, default="en")
    # The password chosen, hashed as every password is; kept until the shop is made.
    password_hash = models.CharField(max_length=256)
    # The e-mail already has an account and the password given is its password.
    existing_account_ok = models.BooleanField(default=False)
    verify_by = models.CharField(max_length=8, choices=Channel.choices)
    # HMAC-SHA256 of the six-digit code under the server's key (a bare hash of six digits is
    # reversed in a moment).
    code_digest = models.CharField(max_length=64)
    attempts = models.PositiveSmallIntegerField(default=0)
    sends = models.PositiveSmallIntegerField(default=1)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    verified_at = models.DateTimeField(null=True, blank=True)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email", "created_at"], name="signup_email_created")]

    def __str__(self) -> str:
        return f"{self.slug} ({self.email})"
