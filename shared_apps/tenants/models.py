"""A tenant (one vendor, one PostgreSQL schema) and the hosts it is served at."""

from __future__ import annotations

from django.db import models
from django_tenants.models import DomainMixin, TenantMixin


class Tenant(TenantMixin):
    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"

    slug = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    currency = models.CharField(max_length=3, default="GHS")
    timezone = models.CharField(max_length=64, default="Africa/Accra")
    # ISO 3166 alpha-2: the region of phone numbers given without their country code.
    country = models.CharField(max_length=2, default="GH")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    suspended_at = models.DateTimeField(null=True, blank=True)
    # Why the tenant is suspended ("platform" by staff, "non_payment" by billing).
    suspension_reason = models.CharField(max_length=32, blank=True, default="")
    # The migration state (provisioning.migration_state's fingerprint) the schema was last built
    # or migrated to: ``tenant migrate`` skips a schema whose stamp is the current state without
    # opening it, and checks the rest in its catalog. Empty: not known, checked.
    migration_fingerprint = models.CharField(max_length=64, blank=True, default="")

    # Schemas are built by shared_apps.tenants.provisioning, never by django-tenants on save.
    auto_create_schema = False
    auto_drop_schema = False

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "suspended"]), name="tenant_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.slug

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED


class Domain(DomainMixin):
    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class PooledSchema(models.Model):
    """A tenant schema built ahead from the snapshot of ``fingerprint``, waiting for a tenant.

    Provisioning claims one (``FOR UPDATE SKIP LOCKED``) and renames it to the new tenant's
    schema in the tenant's transaction; a background job builds replacements."""

    schema_name = models.CharField(max_length=63, primary_key=True)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]
        indexes = [models.Index(fields=["fingerprint", "created_at"], name="pooled_schema_claim")]

    def __str__(self) -> str:
        return self.schema_name


class SchemaSnapshot(models.Model):
    """The DDL and seed rows of a fully migrated tenant schema, for one migration state.

    ``sql`` names the schema as ``__SCHEMA__``; provisioning substitutes the new tenant's.
    """

    fingerprint = models.CharField(max_length=64, primary_key=True)
    sql = models.TextField()
    leaf_migrations = models.JSONField(default=list)
    statements = models.PositiveIntegerField(default=0)
    build_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.fingerprint[:12]
