"""Platform actions on tenants: create, update, suspend, resume, delete. Each one is audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext_noop

from shared_apps.accounts.models import Membership, MembershipHistory, User
from shared_apps.accounts.services import membership_grant, user_get_or_create
from shared_apps.audit.services import platform_audit_record
from shared_apps.tenants import backup, provisioning
from shared_apps.tenants.countries import (
    country_check,
    currency_check,
    locality_for,
    minor_unit_of,
    time_zone_check,
)
from shared_apps.tenants.errors import (
    ConfirmationRequired,
    CurrencyLocked,
    DomainInvalid,
    DomainLast,
    DomainNotFound,
    DomainTaken,
    EmailInvalid,
    NameInvalid,
    NothingToUpdate,
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
        raise DomainInvalid(
            gettext_noop("The platform's own host cannot serve a tenant."), details={"domain": domain}
        )
    return host


@dataclass(frozen=True)
class TenantCreated:
    tenant: Tenant
    domain: Domain
    owner: User
    # Set only for a new owner when asked for (the demo, ``--print-password``): shown once, never
    # stored in clear. Otherwise a new owner chooses a password by the link e-mailed to them.
    owner_password: str | None
    # The owner is a user made for this tenant.
    owner_created: bool = False


def tenant_create(
    *,
    slug: str,
    name: str,
    owner_email: str,
    actor: str,
    domain: str | None = None,
    currency: str | None = None,
    time_zone: str | None = None,
    country: str | None = None,
    owner_password: bool = False,
    owner_password_hash: str | None = None,
) -> TenantCreated:
    """Create a tenant with its schema, domain and owner, or nothing at all.

    The country (default Ghana) implies the currency and time zone unless they are given. A new
    owner gets, in the same transaction, an e-mail with a link to choose their password; with
    ``owner_password`` a one-time password is returned instead (the demo), and with
    ``owner_password_hash`` (self-service sign-up) the password the person chose is kept."""
    locality = locality_for(country=country, currency=currency, time_zone=time_zone)
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
                slug=slug,
                name=name,
                schema_name=schema_name,
                currency=locality.currency,
                timezone=locality.time_zone,
                country=locality.country,
                migration_fingerprint=snapshot.fingerprint,
            )
            tenant_domain = Domain.objects.create(domain=host, tenant=tenant, is_primary=True)
            provisioning.schema_create(schema_name=schema_name, snapshot=snapshot)
            _minor_unit_set(schema_name, locality.currency)
            transaction.on_commit(provisioning.pool_fill_later)
            owner, password, created = _owner(
                owner_email, one_time=owner_password, password_hash=owner_password_hash
            )
            membership_grant(user=owner, tenant_id=tenant.pk, role=Membership.Role.OWNER)
            if created and not owner_password and owner_password_hash is None:
                owner_welcome_send(owner=owner, tenant=tenant)
            platform_audit_record(
                actor=actor,
                action="tenant.create",
                tenant_slug=slug,
                details={
                    "name": name,
                    "domain": host,
                    "owner": owner_email,
                    "owner_created": created,
                    "schema": schema_name,
                    "currency": locality.currency,
                    "timezone": locality.time_zone,
                    "country": locality.country,
                },
            )
    except IntegrityError as exc:
        # Lost a race with another create of the same slug or host.
        raise SlugTaken(
            gettext_noop("Another tenant took this slug or host meanwhile."), details={"slug": slug}
        ) from exc
    return TenantCreated(
        tenant=tenant, domain=tenant_domain, owner=owner, owner_password=password, owner_created=created
    )


def _owner(email: str, *, one_time: bool, password_hash: str | None) -> tuple[User, str | None, bool]:
    """The owner's account: existing (untouched), or new with a one-time password, the hash
    given, or no usable password (they choose one by the e-mailed link)."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user, None, False
    if one_time:
        user, password = user_get_or_create(email=email)
        return user, password, True
    user = User.objects.create_user(email=email, password=None)
    if password_hash is not None:
        user.password = password_hash
        user.save(update_fields=["password"])
    return user, None, True


def _minor_unit_set(schema_name: str, currency: str) -> None:
    """The shop rounds to its currency's minor unit (UGX and XOF have none)."""
    unit = minor_unit_of(currency)
    if unit != 2:
        with connection.cursor() as cursor:
            cursor.execute(
                f'UPDATE "{schema_name}".shop_settings SET minor_unit = %s',  # noqa: S608 - our schema name
                [unit],
            )


def owner_welcome_send(*, owner: User, tenant: Tenant) -> None:
    """E-mail a new owner the link to choose their first password (in the caller's transaction)."""
    from shared_apps.accounts.models import PasswordReset
    from shared_apps.accounts.services.reset import RESET_PATH, reset_link_issue
    from shared_apps.messaging.links import shop_url
    from shared_apps.messaging.services import message_queue

    raw, link = reset_link_issue(user=owner, tenant=tenant, purpose=PasswordReset.Purpose.WELCOME)
    message_queue(
        key=f"owner_welcome:{link.pk}",
        kind="owner_welcome",
        category="security",
        channel="email",
        to=owner.email,
        tenant_id=tenant.pk,
        user_id=owner.pk,
        context={
            "shop_name": tenant.name,
            "shop_url": shop_url(tenant_id=tenant.pk, path="/portal/"),
            "url": shop_url(tenant_id=tenant.pk, path=RESET_PATH + raw),
            "hours": settings.POS_OWNER_WELCOME_SECONDS // 3600,
        },
    )


_UPDATABLE = ("name", "currency", "timezone", "country")


@transaction.atomic
def tenant_update(
    *,
    slug: str,
    actor: str,
    name: str | None = None,
    currency: str | None = None,
    time_zone: str | None = None,
    country: str | None = None,
    add_domains: list[str] | None = None,
    remove_domains: list[str] | None = None,
    primary_domain: str | None = None,
) -> Tenant:
    """Change a tenant's name, currency, time zone, country and hosts (platform staff).

    The currency only changes while the shop has neither sales nor invoices (its books and bills
    are in it), and its shop settings round to the new currency's minor unit. A tenant keeps at
    least one host; removing the primary one makes another primary. Saving the tenant and its
    domains invalidates their cached routes at once (see ``signals``)."""
    if not any(v for v in (name, currency, time_zone, country, add_domains, remove_domains, primary_domain)):
        raise NothingToUpdate()
    tenant = _locked(slug)
    before = {field: getattr(tenant, field) for field in _UPDATABLE}
    before["domains"] = sorted(d.domain for d in tenant.domains.all())
    if name is not None:
        name = name.strip()
        if not 1 <= len(name) <= 200:
            raise NameInvalid(details={"name": name})
        tenant.name = name
    if country is not None:
        tenant.country = country_check(country)
    if time_zone is not None:
        tenant.timezone = time_zone_check(time_zone)
    if currency is not None:
        currency = currency_check(currency)
        if currency != tenant.currency:
            _check_currency_free(tenant)
            tenant.currency = currency
            with connection.cursor() as cursor:
                cursor.execute(
                    f'UPDATE "{tenant.schema_name}".shop_settings SET minor_unit = %s',  # noqa: S608
                    [minor_unit_of(currency)],
                )
    tenant.save()
    hosts = [validate_domain(h) for h in add_domains or []]
    for host in hosts:
        if Domain.objects.filter(domain=host).exists():
            raise DomainTaken(details={"domain": host})
        Domain.objects.create(domain=host, tenant=tenant, is_primary=False)
    for raw in remove_domains or []:
        host = normalise_host(raw)
        domain = Domain.objects.filter(tenant=tenant, domain=host).first()
        if domain is None:
            raise DomainNotFound(details={"domain": host})
        if Domain.objects.filter(tenant=tenant).count() <= 1:
            raise DomainLast(details={"domain": host})
        domain.delete()
    if primary_domain is not None or not Domain.objects.filter(tenant=tenant, is_primary=True).exists():
        target_host = normalise_host(primary_domain) if primary_domain else None
        target = (
            Domain.objects.filter(tenant=tenant, domain=target_host).first()
            if target_host
            else Domain.objects.filter(tenant=tenant).order_by("domain").first()
        )
        if target is None:
            raise DomainNotFound(details={"domain": primary_domain})
        for domain in Domain.objects.filter(tenant=tenant, is_primary=True).exclude(pk=target.pk):
            domain.is_primary = False
            domain.save(update_fields=["is_primary"])
        if not target.is_primary:
            target.is_primary = True
            target.save(update_fields=["is_primary"])
    after = {field: getattr(tenant, field) for field in _UPDATABLE}
    after["domains"] = sorted(d.domain for d in Domain.objects.filter(tenant=tenant))
    changed = {k: {"from": before[k], "to": after[k]} for k in before if before[k] != after[k]}
    platform_audit_record(actor=actor, action="tenant.update", tenant_slug=tenant.slug, details=changed)
    return tenant


def _check_currency_free(tenant: Tenant) -> None:
    from shared_apps.billing.models import Invoice

    with connection.cursor() as cursor:
        cursor.execute(f'SELECT EXISTS (SELECT 1 FROM "{tenant.schema_name}".sales_sale)')  # noqa: S608
        (has_sales,) = cursor.fetchone()
    if has_sales or Invoice.objects.filter(tenant=tenant).exists():
        raise CurrencyLocked(details={"currency": tenant.currency})


def tenant_get(*, slug: str) -> Tenant:
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise TenantNotFound(
            gettext_noop("No tenant with slug %(slug)s."),
            details={"slug": slug},
            params={"slug": f"{slug!r}"},
        )
    return tenant


@transaction.atomic
def tenant_suspend(*, slug: str, actor: str, reason: str = "platform") -> Tenant:
    tenant = _locked(slug)
    if tenant.is_suspended:
        raise TenantStateInvalid(
            gettext_noop("Tenant %(slug)s is already suspended."),
            details={"slug": slug},
            params={"slug": f"{slug!r}"},
        )
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
        raise TenantStateInvalid(
            gettext_noop("Tenant %(slug)s is not suspended."),
            details={"slug": slug},
            params={"slug": f"{slug!r}"},
        )
    reason = tenant.suspension_reason
    tenant.status = Tenant.Status.ACTIVE
    tenant.suspended_at = None
    tenant.suspension_reason = ""
    tenant.save(update_fields=["status", "suspended_at", "suspension_reason", "updated_at"])
    # In this transaction: the shop resumes with what it sold meanwhile in its books, or not at all.
    for path in settings.POS_TENANT_RESUME_HOOKS:
        import_string(path)(tenant=tenant)
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
            gettext_noop("Deleting %(slug)s destroys all of its data; pass --yes to confirm."),
            details={"slug": slug},
            params={"slug": f"{slug!r}"},
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
        raise TenantNotFound(
            gettext_noop("No tenant with slug %(slug)s."),
            details={"slug": slug},
            params={"slug": f"{slug!r}"},
        )
    return tenant
