"""Backups of one shop: ``tenant export`` writes a file, ``tenant import`` makes a shop of it.

An export is a gzipped tar archive:

* ``manifest.json``: the format and its version, the slug and schema, when it was taken, the
  tenant schema's applied migrations, and for each table its columns, row count and SHA-256;
* ``public.json``: the shop's rows in the public schema, as Django serializes them: the tenant,
  its domains, memberships, pending invitations and membership history, the users they name
  (with their password hashes and authenticators), billing (subscription, invoices and their
  payment events), and the shop's message settings and its people's preferences there. API
  tokens, sessions, reset links and the outbox are not kept: people sign in again;
* ``data/<table>.copy``: every table of the tenant's schema in ``COPY``'s text format, and the
  values of its sequences (in the manifest).

The export reads one consistent snapshot (a repeatable-read, read-only transaction), or, before
a delete, the schema locked against writers in the delete's own transaction, so that nothing
written meanwhile can be lost. An import builds the schema from the snapshot of the current
migration state (as ``tenant create`` does) and loads the rows as they were, with the tables'
triggers off (the change feed and the append-only guards would otherwise refuse or add rows)
and foreign keys checked at commit; all of it, public rows included, in one transaction.

Importing under the original slug restores the shop (its domains, its invoices reattached);
``--slug NEW`` makes a copy beside the original: a new primary domain, no custom domains, no
invoices (they are the original's accounting), pending invitations dropped, and terminals
revoked (a terminal's credential must not work at two shops).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.db import transaction
from django.db.models import Model, Q
from django.utils import timezone
from django.utils.translation import gettext_noop
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import quote_schema_name

from pos_platform.db import connection
from pos_platform.kernel.errors import Conflict, ValidationFailed
from shared_apps.accounts.models import Invitation, Membership, MembershipHistory, User
from shared_apps.audit.services import platform_audit_record
from shared_apps.billing.models import Invoice, PaymentEvent, Subscription
from shared_apps.messaging.models import Preference, ShopMessaging
from shared_apps.tenants import provisioning
from shared_apps.tenants.errors import DomainTaken, SlugTaken, TenantNotFound
from shared_apps.tenants.models import Domain, Tenant
from shared_apps.tenants.routing import routes_invalidate

FORMAT = "pos-tenant-export"
VERSION = 1
# Kept by the target schema itself (the snapshot's history); compared, never loaded.
_MIGRATIONS_TABLE = "django_migrations"

Progress = Callable[[str, int], None]


class ExportInvalid(ValidationFailed):
    code = "export_invalid"
    default_message = gettext_noop("This file is not a readable tenant export.")


class ExportIncompatible(Conflict):
    code = "export_incompatible"
    default_message = gettext_noop(
        "This export was made at another migration state of the tenant schema than this release's; "
        "import it with the release that made it, then migrate."
    )


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: list[str]
    rows: int
    sha256: str


@dataclass
class ExportReport:
    path: Path
    slug: str
    tables: int = 0
    rows: int = 0
    bytes: int = 0


@dataclass
class ImportReport:
    tenant: Tenant
    tables: int = 0
    rows: int = 0
    users_created: int = 0
    users_matched_by_email: list[str] = field(default_factory=list)
    invoices_reattached: int = 0
    terminals_revoked: int = 0
    notes: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------


def _tables(schema: str) -> list[tuple[str, list[str]]]:
    """The schema's tables and their stored (not generated) columns, in a stable order."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, array_agg(a.attname::text ORDER BY a.attnum)
               FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
               WHERE c.relnamespace = %s::regnamespace AND c.relkind IN ('r', 'p')
                 AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
               GROUP BY c.relname ORDER BY c.relname""",
            [schema],
        )
        return [(name, list(columns)) for name, columns in cursor.fetchall()]


def _sequences(schema: str) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s ORDER BY 1", [schema])
        names = [row[0] for row in cursor.fetchall()]
        values = []
        for name in names:
            # From the sequence itself: pg_sequences hides the value from a role without USAGE.
            cursor.execute(
                f"SELECT last_value, is_called FROM {quote_schema_name(schema)}.{quote_schema_name(name)}"  # noqa: S608
            )
            last_value, is_called = cursor.fetchone()
            values.append({"name": name, "value": int(last_value), "is_called": bool(is_called)})
    return values


def _applied_migrations(schema: str) -> list[list[str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT app, name FROM {quote_schema_name(schema)}.{_MIGRATIONS_TABLE} ORDER BY app, name"  # noqa: S608
        )
        return [[app, name] for app, name in cursor.fetchall()]


def _users_of(tenant: Tenant) -> list[User]:
    ids = set(Membership.objects.filter(tenant=tenant).values_list("user_id", flat=True))
    ids |= {i for i in Membership.objects.filter(tenant=tenant).values_list("invited_by_id", flat=True) if i}
    ids |= {
        i
        for i in Invitation.objects.filter(membership__tenant=tenant).values_list("created_by_id", flat=True)
        if i
    }
    return list(User.objects.filter(pk__in=ids).order_by("pk"))


def _public_rows(tenant: Tenant) -> dict[str, Any]:
    users = _users_of(tenant)
    user_ids = [u.pk for u in users]
    invoices = Invoice.objects.filter(tenant=tenant).order_by("pk")
    groups: dict[str, Any] = {
        "tenant": [tenant],
        "domains": Domain.objects.filter(tenant=tenant).order_by("pk"),
        "users": users,
        "totp_devices": TOTPDevice.objects.filter(user_id__in=user_ids).order_by("pk"),
        "static_devices": StaticDevice.objects.filter(user_id__in=user_ids).order_by("pk"),
        "static_tokens": StaticToken.objects.filter(device__user_id__in=user_ids).order_by("pk"),
        "memberships": Membership.objects.filter(tenant=tenant).order_by("pk"),
        "invitations": Invitation.objects.filter(membership__tenant=tenant).order_by("pk"),
        "subscription": Subscription.objects.filter(tenant=tenant).order_by("pk"),
        "invoices": invoices,
        "payment_events": PaymentEvent.objects.filter(invoice__in=invoices).order_by("pk"),
        "shop_messaging": ShopMessaging.objects.filter(tenant=tenant),
        "preferences": Preference.objects.filter(tenant=tenant, user_id__in=user_ids).order_by("pk"),
    }
    out: dict[str, Any] = {
        key: json.loads(serializers.serialize("json", rows)) for key, rows in groups.items()
    }
    # Plain rows (ids, not objects): written by triggers, read as they are.
    out["membership_history"] = [
        {
            "membership_id": str(h.membership_id),
            "user_id": str(h.user_id),
            "role": h.role,
            "storefront_id": str(h.storefront_id) if h.storefront_id else None,
            "expires_at": h.expires_at.isoformat() if h.expires_at else None,
            "is_active": h.is_active,
            "valid_from": h.valid_from.isoformat(),
        }
        for h in MembershipHistory.objects.filter(tenant_id=tenant.pk).order_by("valid_from", "id")
    ]
    return out


def _lock_schema(schema: str, tables: list[str]) -> None:
    """Keep every writer of the shop out until the caller's transaction ends."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                f"LOCK TABLE {quote_schema_name(schema)}.{quote_schema_name(table)} IN EXCLUSIVE MODE"
            )


class ExportUnwritable(ValidationFailed):
    code = "export_unwritable"
    default_message = gettext_noop("The export cannot be written there.")


def _write(tenant: Tenant, output: Path, on_progress: Progress | None, *, lock: bool) -> ExportReport:
    try:
        return _write_file(tenant, output, on_progress, lock=lock)
    except OSError as exc:
        with contextlib.suppress(OSError):
            output.with_name(output.name + ".partial").unlink(missing_ok=True)
        raise ExportUnwritable(
            gettext_noop("Cannot write the export to %(output)s: %(value)s."),
            details={"file": str(output)},
            params={"output": output, "value": exc.strerror or exc},
        ) from exc


def _write_file(tenant: Tenant, output: Path, on_progress: Progress | None, *, lock: bool) -> ExportReport:
    schema = tenant.schema_name
    tables = _tables(schema)
    if lock:
        _lock_schema(schema, [name for name, _ in tables])
    report = ExportReport(path=output, slug=tenant.slug)
    infos: list[TableInfo] = []
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    # Password hashes and authenticator secrets are inside: only the owner of the file reads it.
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as archive:
        for name, columns in tables:
            if name == _MIGRATIONS_TABLE:
                continue
            digest = hashlib.sha256()
            rows = 0
            with tempfile.TemporaryFile() as buffer:
                column_list = ", ".join(quote_schema_name(c) for c in columns)
                sql = f"COPY {quote_schema_name(schema)}.{quote_schema_name(name)} ({column_list}) TO STDOUT"
                with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                    for block in copy:
                        data = bytes(block)
                        buffer.write(data)
                        digest.update(data)
                        rows += data.count(b"\n")
                size = buffer.tell()
                buffer.seek(0)
                member = tarfile.TarInfo(f"data/{name}.copy")
                member.size = size
                member.mtime = int(timezone.now().timestamp())
                archive.addfile(member, buffer)
            infos.append(TableInfo(name=name, columns=columns, rows=rows, sha256=digest.hexdigest()))
            report.rows += rows
            if on_progress:
                on_progress(name, rows)
        public = json.dumps(_public_rows(tenant), sort_keys=True).encode()
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "slug": tenant.slug,
            "schema": schema,
            "exported_at": timezone.now().isoformat(),
            "migrations": _applied_migrations(schema),
            "tables": [info.__dict__ for info in infos],
            "sequences": _sequences(schema),
            "public_sha256": hashlib.sha256(public).hexdigest(),
        }
        for member_name, content in (
            ("manifest.json", json.dumps(manifest, indent=1).encode()),
            ("public.json", public),
        ):
            member = tarfile.TarInfo(member_name)
            member.size = len(content)
            member.mtime = int(timezone.now().timestamp())
            archive.addfile(member, io.BytesIO(content))
    partial.replace(output)
    report.tables = len(infos)
    report.bytes = output.stat().st_size
    return report


def tenant_tables(tenant: Tenant) -> list[str]:
    """The tables an export of ``tenant`` holds (for progress)."""
    return [name for name, _ in _tables(tenant.schema_name) if name != _MIGRATIONS_TABLE]


def tenant_export(
    *, slug: str, output: Path, actor: str, on_progress: Progress | None = None
) -> ExportReport:
    """Write the shop ``slug`` to ``output`` from one consistent snapshot (writers go on)."""
    tenant = Tenant.objects.filter(slug=slug).first()
    if tenant is None:
        raise TenantNotFound(
            gettext_noop("No tenant with slug %(slug)s."),
            details={"slug": slug},
            params={"slug": f"{slug!r}"},
        )
    connection.set_schema_to_public()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        report = _write(tenant, output, on_progress, lock=False)
    platform_audit_record(
        actor=actor,
        action="tenant.export",
        tenant_slug=slug,
        details={"file": str(output), "tables": report.tables, "rows": report.rows, "bytes": report.bytes},
    )
    return report


def tenant_export_locked(
    *, tenant: Tenant, output: Path, on_progress: Progress | None = None
) -> ExportReport:
    """Inside the caller's transaction (a delete): lock the shop's tables, then write it."""
    return _write(tenant, output, on_progress, lock=True)


def default_export_path(slug: str) -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.POS_TENANT_EXPORT_DIR) / f"{slug}-{stamp}.tar.gz"


# ---------------------------------------------------------------------------------------------
# Import
# ---------------------------------------------------------------------------------------------


@dataclass
class _Export:
    manifest: dict[str, Any]
    public: dict[str, Any]
    archive: tarfile.TarFile

    def data(self, table: str) -> Iterator[bytes]:
        member = self.archive.extractfile(f"data/{table}.copy")
        if member is None:
            raise ExportInvalid(details={"table": table})
        while chunk := member.read(1 << 20):
            yield chunk


# What a truncated or corrupt archive raises while it is read.
_UNREADABLE = (
    OSError,
    EOFError,
    tarfile.TarError,
    zlib.error,
    ValueError,
    KeyError,
    TypeError,
    UnicodeDecodeError,
)


@contextmanager
def _open(path: Path) -> Iterator[_Export]:
    """Open and verify an export (every table's checksum) before anything is written."""
    try:
        archive = tarfile.open(path, mode="r:gz")  # noqa: SIM115 - closed by the block below
    except _UNREADABLE as exc:
        raise ExportInvalid(
            gettext_noop("%(path)s is not a tenant export (%(exc)s)."),
            details={"file": str(path)},
            params={"path": path, "exc": exc},
        ) from exc
    with archive:
        try:
            manifest = json.loads(_member(archive, "manifest.json"))
            public_bytes = _member(archive, "public.json")
        except _UNREADABLE as exc:
            raise ExportInvalid(
                gettext_noop("%(path)s has no readable manifest."),
                details={"file": str(path)},
                params={"path": path},
            ) from exc
        if (
            not isinstance(manifest, dict)
            or manifest.get("format") != FORMAT
            or manifest.get("version") != VERSION
        ):
            raise ExportInvalid(
                gettext_noop("%(path)s is not a version %(VERSION)s tenant export."),
                details={"file": str(path)},
                params={"path": path, "VERSION": VERSION},
            )
        if hashlib.sha256(public_bytes).hexdigest() != manifest.get("public_sha256"):
            raise ExportInvalid(
                gettext_noop("%(path)s is damaged (public rows)."),
                details={"file": str(path)},
                params={"path": path},
            )
        try:
            export = _Export(manifest=manifest, public=json.loads(public_bytes), archive=archive)
            tables = [
                t for t in manifest["tables"] if isinstance(t["name"], str) and isinstance(t["sha256"], str)
            ]
            if len(tables) != len(manifest["tables"]) or not isinstance(export.public, dict):
                raise ValueError("malformed manifest")
        except _UNREADABLE as exc:
            raise ExportInvalid(
                gettext_noop("%(path)s has no readable manifest."),
                details={"file": str(path)},
                params={"path": path},
            ) from exc
        for table in tables:
            digest = hashlib.sha256()
            try:
                for chunk in export.data(table["name"]):
                    digest.update(chunk)
            except _UNREADABLE as exc:
                raise ExportInvalid(
                    gettext_noop("%(path)s is damaged (%(name)s)."),
                    details={"file": str(path)},
                    params={"path": path, "name": table["name"]},
                ) from exc
            if digest.hexdigest() != table["sha256"]:
                raise ExportInvalid(
                    gettext_noop("%(path)s is damaged (%(name)s)."),
                    details={"table": table["name"]},
                    params={"path": path, "name": table["name"]},
                )
        yield export


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    member = archive.extractfile(name)
    if member is None:
        raise KeyError(name)
    return member.read()


def _deserialize(rows: list[dict[str, Any]]) -> list[Model]:
    return [item.object for item in serializers.deserialize("python", rows)]


def _save_raw(obj: Model) -> None:
    """Insert a deserialized row as it was (no custom save(), as loaddata does)."""
    Model.save_base(obj, raw=True, force_insert=True)


def _check_migrations(export: _Export, schema: str) -> None:
    exported = {tuple(m) for m in export.manifest["migrations"]}
    here = {tuple(m) for m in _applied_migrations(schema)}
    if exported != here:
        raise ExportIncompatible(
            details={
                "missing_here": sorted(".".join(m) for m in exported - here),
                "not_in_export": sorted(".".join(m) for m in here - exported),
            }
        )


def _load_schema(export: _Export, schema: str, on_progress: Progress | None) -> int:
    quoted = quote_schema_name(schema)
    tables = {name: columns for name, columns in _tables(schema)}
    rows = 0
    with connection.cursor() as cursor:
        # A table with deferred key checks pending cannot be altered: check them now (the rows
        # the snapshot seeded), and again once everything is loaded.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in tables:
            cursor.execute(f"ALTER TABLE {quoted}.{quote_schema_name(name)} DISABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for name in tables:
            if name != _MIGRATIONS_TABLE:
                # Rows the snapshot seeded (settings, payment methods) and the triggers wrote.
                cursor.execute(f"DELETE FROM {quoted}.{quote_schema_name(name)}")  # noqa: S608
        for table in export.manifest["tables"]:
            name, columns = table["name"], table["columns"]
            if name not in tables or not set(columns) <= set(tables[name]):
                raise ExportIncompatible(details={"table": name})
            column_list = ", ".join(quote_schema_name(c) for c in columns)
            with cursor.cursor.copy(
                f"COPY {quoted}.{quote_schema_name(name)} ({column_list}) FROM STDIN"
            ) as copy:
                for chunk in export.data(name):
                    copy.write(chunk)
            rows += int(table["rows"])
            if on_progress:
                on_progress(name, int(table["rows"]))
        for sequence in export.manifest["sequences"]:
            cursor.execute(
                "SELECT setval(%s::regclass, %s, %s)",
                [f"{quoted}.{quote_schema_name(sequence['name'])}", sequence["value"], sequence["is_called"]],
            )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name in tables:
            cursor.execute(f"ALTER TABLE {quoted}.{quote_schema_name(name)} ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return rows


def _import_users(export: _Export, report: ImportReport) -> dict[str, str]:
    """Exported user id -> the id here: the same id, or the account with the same email (whose
    password and authenticator stay as they are), or a new account as exported."""
    mapping: dict[str, str] = {}
    created: set[str] = set()
    for user in _deserialize(export.public["users"]):
        assert isinstance(user, User)
        if User.objects.filter(pk=user.pk).exists():
            mapping[str(user.pk)] = str(user.pk)
            continue
        existing = User.objects.filter(email__iexact=user.email).first()
        if existing is not None:
            mapping[str(user.pk)] = str(existing.pk)
            report.users_matched_by_email.append(user.email)
            continue
        _save_raw(user)
        mapping[str(user.pk)] = str(user.pk)
        created.add(str(user.pk))
        report.users_created += 1
    static_devices: set[int] = set()
    for key in ("totp_devices", "static_devices"):
        for device in _deserialize(export.public[key]):
            if str(device.user_id) in created:  # type: ignore[attr-defined]
                _save_raw(device)
                if isinstance(device, StaticDevice):
                    static_devices.add(device.pk)
    for token in _deserialize(export.public["static_tokens"]):
        if token.device_id in static_devices:  # type: ignore[attr-defined]
            _save_raw(token)
    return mapping


def tenant_import(
    *, path: Path, actor: str, slug: str | None = None, on_progress: Progress | None = None
) -> ImportReport:
    """Make a shop of the export at ``path`` (under ``slug``, or its own), or nothing at all."""
    from shared_apps.tenants.services import schema_name_for, validate_domain, validate_slug

    with _open(path) as export:
        original = export.manifest["slug"]
        slug = validate_slug((slug or original).strip())
        copy = slug != original
        if Tenant.objects.filter(slug=slug).exists():
            raise SlugTaken(details={"slug": slug})
        exported_domains = [d["fields"]["domain"] for d in export.public["domains"]]
        hosts = exported_domains if not copy else [validate_domain(f"{slug}.{settings.POS_BASE_DOMAIN}")]
        taken = sorted(Domain.objects.filter(domain__in=hosts).values_list("domain", flat=True))
        if taken:
            raise DomainTaken(details={"domains": taken})
        snapshot = provisioning.snapshot_current()
        schema = schema_name_for(slug)
        with transaction.atomic():
            (exported_tenant,) = _deserialize(export.public["tenant"])
            assert isinstance(exported_tenant, Tenant)
            tenant = exported_tenant
            tenant.slug = slug
            tenant.schema_name = schema
            if copy or Tenant.objects.filter(pk=tenant.pk).exists():
                tenant.pk = None
                _save_raw_new(tenant)
            else:
                _save_raw(tenant)
            report = ImportReport(tenant=tenant)
            for host, row in zip(hosts, export.public["domains"] if not copy else [None], strict=False):
                is_primary = bool(row["fields"]["is_primary"]) if row else True
                Domain.objects.create(domain=host, tenant=tenant, is_primary=is_primary)
            if copy and len(exported_domains) > 1:
                report.notes.append(f"custom domains not copied: {', '.join(exported_domains[1:])}")
            provisioning.schema_create(schema_name=schema, snapshot=snapshot)
            _check_migrations(export, schema)
            Tenant.objects.filter(pk=tenant.pk).update(migration_fingerprint=snapshot.fingerprint)
            users = _import_users(export, report)
            memberships: dict[str, str] = {}
            for membership in _deserialize(export.public["memberships"]):
                assert isinstance(membership, Membership)
                old = str(membership.pk)
                if copy:
                    membership.pk = uuid.uuid4()
                membership.tenant_id = tenant.pk
                membership.user_id = uuid.UUID(users[str(membership.user_id)])
                if membership.invited_by_id is not None:
                    membership.invited_by_id = uuid.UUID(users[str(membership.invited_by_id)])
                _save_raw(membership)
                memberships[old] = str(membership.pk)
            if not copy:
                for invitation in _deserialize(export.public["invitations"]):
                    assert isinstance(invitation, Invitation)
                    if invitation.created_by_id is not None:
                        invitation.created_by_id = uuid.UUID(users[str(invitation.created_by_id)])
                    _save_raw(invitation)
            elif export.public["invitations"]:
                report.notes.append(f"{len(export.public['invitations'])} pending invitations not copied")
            # The history as it was, not the states the inserts above just wrote.
            MembershipHistory.objects.filter(tenant_id=tenant.pk).delete()
            MembershipHistory.objects.bulk_create(
                MembershipHistory(
                    membership_id=memberships.get(h["membership_id"], h["membership_id"]),
                    tenant_id=tenant.pk,
                    user_id=users.get(h["user_id"], h["user_id"]),
                    role=h["role"],
                    storefront_id=h["storefront_id"],
                    expires_at=dt.datetime.fromisoformat(h["expires_at"]) if h["expires_at"] else None,
                    is_active=h["is_active"],
                    valid_from=dt.datetime.fromisoformat(h["valid_from"]),
                )
                for h in export.public["membership_history"]
            )
            for subscription in _deserialize(export.public["subscription"]):
                assert isinstance(subscription, Subscription)
                subscription.pk = None
                subscription.tenant_id = tenant.pk
                _save_raw_new(subscription)
            if not copy:
                report.invoices_reattached = _restore_invoices(export, tenant)
            _restore_messaging(export, tenant, users)
            report.tables = len(export.manifest["tables"])
            report.rows = _load_schema(export, schema, on_progress)
            if copy:
                report.terminals_revoked = _revoke_terminals(schema)
            platform_audit_record(
                actor=actor,
                action="tenant.import",
                tenant_slug=slug,
                details={
                    "file": str(path),
                    "from": original,
                    "copy": copy,
                    "rows": report.rows,
                    "users_created": report.users_created,
                },
            )
            routes_invalidate(hosts)
            transaction.on_commit(provisioning.pool_fill_later)
        return report


def _save_raw_new(obj: Model) -> None:
    """Insert with a key from the table's sequence (``pk`` cleared)."""
    obj._state.adding = True
    Model.save_base(obj, raw=True, force_insert=True)


def _restore_invoices(export: _Export, tenant: Tenant) -> int:
    """Invoices kept (detached) when the shop was deleted are reattached; missing ones (another
    database) are inserted as exported, with their payments."""
    reattached = 0
    for invoice in _deserialize(export.public["invoices"]):
        assert isinstance(invoice, Invoice)
        kept = Invoice.objects.filter(pk=invoice.pk).first()
        if kept is not None:
            if kept.tenant_id is None and kept.tenant_slug == tenant.slug:
                Invoice.objects.filter(pk=invoice.pk).update(tenant_id=tenant.pk)
                reattached += 1
            continue
        invoice.tenant_id = tenant.pk
        _save_raw(invoice)
    for event in _deserialize(export.public["payment_events"]):
        if not PaymentEvent.objects.filter(
            Q(pk=event.pk) | Q(provider=event.provider, provider_event_id=event.provider_event_id)  # type: ignore[attr-defined]
        ).exists():
            _save_raw(event)
    return reattached


def _restore_messaging(export: _Export, tenant: Tenant, users: dict[str, str]) -> None:
    """The shop's message settings and its people's preferences at it (exports made before they
    were kept have neither)."""
    for shop in _deserialize(export.public.get("shop_messaging", [])):
        assert isinstance(shop, ShopMessaging)
        shop.tenant_id = tenant.pk
        _save_raw(shop)
    for preference in _deserialize(export.public.get("preferences", [])):
        assert isinstance(preference, Preference)
        preference.pk = None
        preference.tenant_id = tenant.pk
        preference.user_id = uuid.UUID(users[str(preference.user_id)])
        _save_raw_new(preference)


def _revoke_terminals(schema: str) -> int:
    """A copy's terminals must pair again: their credentials belong to the original shop."""
    # Through the app registry: the public apps sit below sync (see the layers).
    Terminal = apps.get_model("sync", "Terminal")
    quoted = quote_schema_name(schema)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quoted}.{Terminal._meta.db_table} SET status = %s, revoked_at = %s, "  # noqa: S608
            "credential_digest = NULL, pairing_digest = NULL, pairing_expires_at = NULL WHERE status <> %s",
            [Terminal.Status.REVOKED, timezone.now(), Terminal.Status.REVOKED],
        )
        return int(cursor.rowcount)
