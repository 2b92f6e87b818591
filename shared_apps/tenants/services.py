"""Platform actions on tenants: create, suspend, resume, delete. Each one is audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from shared_apps.accounts.models import Membership, MembershipHistory, User
from shared_apps.accounts.services import membership_grant, user_get_or_create
from shared_apps.audit.services import platform_audit_record
from shared_apps.tenants import backup, provisioning
from shared_apps.tenants.errors import (
    ConfirmationRequired,
    DomainInvalid,
    DomainTaken,
    EmailInvalid,
    NameInvalid,
    SlugInvalid,
    SlugReserved,
    SlugTaken,
    TenantNotFound,
    TenantStateInvalid,
)
from shared_apps.tenants.models import Domain, Tenant
from shared_apps.tenants.routing import normalise_host

SLUG_RE = re.compile(r"^[a-z](?:[a-z0-9]|-(?!-)){1,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "admin",
        "api",
        "app",
        "apps",
        "auth",
        "billing",
        "dashboard",
        "default",
        "docs",
        "help",
        "healthz",
        "information-schema",
        "localhost",
        "login",
        "mail",
        "media",
        "platform",
        "portal",
        "postgres",
        "public",
        "root",
        "smtp",
        "static",
        "status",
        "support",
        "sync",
        "system",
        "template",
        "www",
    }
)
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


def schema_name_for(slug: str) -> str:
    # Slugs have no underscores, so the mapping is one-to-one; the prefix keeps tenant schemas
    # apart from public, pg_* and the snapshot templates.
    return "t_" + slug.replace("-", "_")


def validate_slug(slug: str) -> str:
    if not SLUG_RE.match(slug):
        raise SlugInvalid(details={"slug": slug})
    if slug in RESERVED_SLUGS:
        raise SlugReserved(details={"slug": slug})
    return slug


def validate_owner_email(email: str) -> str:
    email = email.strip().lower()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise EmailInvalid(details={"email": email}) from exc
    return email


def validate_domain(domain: str) -> str:
    host = normalise_host(domain)
    labels = host.split(".")
    if len(host) > 253 or len(labels) < 2 or not all(_HOST_LABEL.match(label) for label in labels):
        raise DomainInvalid(details={"domain": domain})
    if host in settings.POS_PUBLIC_HOSTS:
        raise DomainInvalid("The platform's own host cannot serve a tenant.", details={"domain": domain})
    return host


@dataclass(frozen=True)
class TenantCreated:
    tenant: Tenant
    domain: Domain
    owner: User
    # Set only when the owner is a new user: shown once, never stored in clear.
    owner_password: str | None


def tenant_create(
    *,
    slug: str,
    name: str,
    owner_email: str,
    actor: str,
    domain: str | None = None,
    currency: str = "GHS",
    time_zone: str = "Africa/Accra",
) -> TenantCreated:
    """Create a tenant with its schema, domain and owner, or nothing at all."""
    slug = validate_slug(slug.strip())
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise NameInvalid(details={"name": name})
    owner_email = validate_owner_email(owner_email)
    host = validate_domain(domain or f"{slug}.{settings.POS_BASE_DOMAIN}")
    if Tenant.objects.filter(slug=slug).exists():
        raise SlugTaken(details={"slug": slug})
    if Domain.objects.filter(domain=host).exists():
        raise DomainTaken(details={"domain": host})

    # Built (if the migration state moved) before the transaction: the build needs its own.
    snapshot = provisioning.snapshot_current()
    schema_name = schema_name_for(slug)
    try:
        with transaction.atomic():
            tenant = Tenant.objects.create(
                slug=slug, name=name, schema_name=schema_name, currency=currency, timezone=time_zone
            )
            tenant_domain = Domain.objects.create(domain=host, tenant=tenant, is_primary=True)
            provisioning.schema_create(schema_name=schema_name, snapshot=snapshot)
            transaction.on_commit(provisioning.pool_fill_later)
            owner, password = user_get_or_create(email=owner_email)
            membership_grant(user=owner, tenant_id=tenant.pk, role=Membership.Role.OWNER)
            platform_audit_record(
                actor=actor,
                action="tenant.create",
                tenant_slug=slug,
                details={
                    "name": name,
                    "domain": host,
                    "owner": owner_email,
                    "owner_created": password is not None,
                    "schema": schema_name,
                },
            )
    except IntegrityError as exc:
        # Lost a race with another create of the same slug or host.
        raise SlugTaken("Another tenant took this slug or host meanwhile.", details={"slug": slug}) from exc
    return TenantCreated(tenant=tenant, domain=tenant_domain, owner=owner, owner_password=password)


def tenant_get(*, slug: str) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise TenantNotFound(f"No tenant with slug {slug!r}.", details={"slug": slug})
    return tenant


@transaction.atomic
def tenant_suspend(*, slug: str, actor: str, reason: str = "platform") -> Tenant:
    tenant = _locked(slug)
    if tenant.is_suspended:
        raise TenantStateInvalid(f"Tenant {slug!r} is already suspended.", details={"slug": slug})
    tenant.status = Tenant.Status.SUSPENDED
    tenant.suspended_at = timezone.now()
    tenant.suspension_reason = reason
    tenant.save(update_fields=["status", "suspended_at", "suspension_reason", "updated_at"])
    platform_audit_record(actor=actor, action="tenant.suspend", tenant_slug=slug, details={"reason": reason})
    return tenant


@transaction.atomic
def tenant_resume(*, slug: str, actor: str) -> Tenant:
    tenant = _locked(slug)
    if not tenant.is_suspended:
        raise TenantStateInvalid(f"Tenant {slug!r} is not suspended.", details={"slug": slug})
    reason = tenant.suspension_reason
    tenant.status = Tenant.Status.ACTIVE
    tenant.suspended_at = None
    tenant.suspension_reason = ""
    tenant.save(update_fields=["status", "suspended_at", "suspension_reason", "updated_at"])
    platform_audit_record(
        actor=actor, action="tenant.resume", tenant_slug=slug, details={"suspension_reason": reason}
    )
    return tenant


@transaction.atomic
def tenant_delete(
    *, slug: str, actor: str, confirmed: bool, export_to: Path | None = None
) -> backup.ExportReport | None:
    """Delete a tenant and its schema; with ``export_to``, write its export there first, in the
    same transaction with the shop's tables locked (nothing written meanwhile can be lost; a
    failed export deletes nothing)."""
    if not confirmed:
        raise ConfirmationRequired(
            f"Deleting {slug!r} destroys all of its data; pass --yes to confirm.", details={"slug": slug}
        )
    tenant = _locked(slug)
    schema_name = tenant.schema_name
    tenant_id = tenant.pk
    exported = backup.tenant_export_locked(tenant=tenant, output=export_to) if export_to else None
    tenant.delete()
    # Written by the membership triggers, including for the memberships deleted just now.
    MembershipHistory.objects.filter(tenant_id=tenant_id).delete()
    provisioning.schema_drop(schema_name=schema_name)
    platform_audit_record(
        actor=actor,
        action="tenant.delete",
        tenant_slug=slug,
        details={"schema": schema_name, "export": str(export_to) if export_to else None},
    )
    return exported


def _locked(slug: str) -> Tenant:
    tenant = Tenant.objects.select_for_update().filter(slug=slug).first()
    if tenant is None:
        raise TenantNotFound(f"No tenant with slug {slug!r}.", details={"slug": slug})
    return tenant
