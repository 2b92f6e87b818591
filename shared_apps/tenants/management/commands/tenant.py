"""Platform CLI: ``manage.py tenant create|update|list|show|suspend|resume|delete|migrate|reconcile``,
``export|import`` and ``mfa-reset``.

Bad input exits with status 2 and a message; ``migrate`` and ``reconcile`` exit with 1 when a
tenant failed or the books do not balance.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from tqdm import tqdm

from pos_platform.cli import PlatformCommand
from pos_platform.db import connection
from shared_apps.accounts.models import Membership
from shared_apps.audit.models import PlatformAuditEntry
from shared_apps.audit.services import platform_audit_record
from shared_apps.tenants import backup, migrating, provisioning, services
from shared_apps.tenants.models import Tenant
from shared_apps.tenants.reconciliation import tenant_reconcile


def tenant_as_dict(tenant: Tenant) -> dict[str, Any]:
    return {
        "slug": tenant.slug,
        "name": tenant.name,
        "status": tenant.status,
        "schema": tenant.schema_name,
        "domains": [d.domain for d in tenant.domains.all()],
        "currency": tenant.currency,
        "timezone": tenant.timezone,
        "country": tenant.country,
        "created_at": tenant.created_at.isoformat(),
        "suspended_at": tenant.suspended_at.isoformat() if tenant.suspended_at else None,
        "suspension_reason": tenant.suspension_reason or None,
    }


def _tenant_row(tenant: Tenant) -> tuple[str, ...]:
    domains = [d.domain for d in tenant.domains.all()]
    created = tenant.created_at.strftime("%Y-%m-%d %H:%M")
    return (tenant.slug, tenant.name, tenant.status, domains[0] if domains else "-", created)


class Command(PlatformCommand):
    help = "Provision, inspect, suspend, resume, delete, migrate and reconcile tenants."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        create = sub.add_parser("create", help="Create a tenant with its schema, domain and owner.")
        create.add_argument("slug")
        create.add_argument("--name", required=True)
        create.add_argument("--owner-email", required=True)
        create.add_argument(
            "--domain", default=None, help="Host to serve it at (default: <slug>.$POS_BASE_DOMAIN)."
        )
        create.add_argument("--country", default=None, help="ISO 3166 code (default GH); sets the next two.")
        create.add_argument("--currency", default=None, help="ISO 4217 code (default: the country's).")
        create.add_argument("--timezone", default=None, help="IANA zone (default: the country's).")
        create.add_argument(
            "--print-password",
            action="store_true",
            help="Give a new owner a one-time password printed here instead of the e-mailed link.",
        )

        update = sub.add_parser(
            "update", help="Change a tenant's name, currency, time zone, country or hosts."
        )
        update.add_argument("slug")
        update.add_argument("--name", default=None)
        update.add_argument("--currency", default=None, help="Only while the shop has no sales nor invoices.")
        update.add_argument("--timezone", default=None)
        update.add_argument("--country", default=None)
        update.add_argument("--add-domain", action="append", default=[], metavar="HOST")
        update.add_argument("--remove-domain", action="append", default=[], metavar="HOST")
        update.add_argument("--primary-domain", default=None, metavar="HOST")

        listing = sub.add_parser("list", help="List tenants.")
        listing.add_argument("--json", action="store_true")

        show = sub.add_parser("show", help="Show one tenant.")
        show.add_argument("slug")
        show.add_argument("--json", action="store_true")

        for name, text in (
            ("suspend", "Suspend a tenant: its users get 403 tenant_suspended."),
            ("resume", "Resume a suspended tenant."),
        ):
            p = sub.add_parser(name, help=text)
            p.add_argument("slug")

        delete = sub.add_parser(
            "delete", help="Delete a tenant and its schema, after writing its export (see --no-export)."
        )
        delete.add_argument("slug")
        delete.add_argument("--yes", action="store_true", help="Confirm the deletion.")
        delete.add_argument(
            "--output",
            type=Path,
            default=None,
            help="Where to write the export (default: $POS_TENANT_EXPORT_DIR).",
        )
        delete.add_argument(
            "--no-export", action="store_true", help="Delete without writing an export first (irreversible)."
        )

        export = sub.add_parser("export", help="Write one tenant's data to a file (its backup).")
        export.add_argument("slug")
        export.add_argument("--output", type=Path, required=True, metavar="FILE")

        restore = sub.add_parser("import", help="Make a tenant of an export (restore, or copy with --slug).")
        restore.add_argument("file", type=Path)
        restore.add_argument("--slug", default=None, help="Import as a new tenant with this slug (a copy).")

        migrate = sub.add_parser("migrate", help="Apply pending migrations to every schema.")
        migrate.add_argument(
            "--parallel", type=int, default=1, metavar="N", help="Schemas migrated at once (default 1)."
        )
        migrate.add_argument(
            "--verify",
            action="store_true",
            help="Check every schema's migrations, also those stamped as up to date.",
        )

        mfa_reset = sub.add_parser(
            "mfa-reset", help="Remove a member's authenticator after checking their identity (audited)."
        )
        mfa_reset.add_argument("slug")
        mfa_reset.add_argument("--email", required=True)
        mfa_reset.add_argument(
            "--identity-check",
            required=True,
            metavar="TEXT",
            help="How the person's identity was checked (kept in the platform audit log).",
        )

        reconcile = sub.add_parser("reconcile", help="Check a tenant's books; exit 1 if they do not balance.")
        reconcile.add_argument("slug")

    def handler(self, options: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
        return getattr(self, f"do_{options['action'].replace('-', '_')}")

    def do_mfa_reset(self, options: dict[str, Any]) -> None:
        from shared_apps.accounts.services.staff import platform_mfa_reset

        tenant = services.tenant_get(slug=options["slug"])
        membership = platform_mfa_reset(
            tenant=tenant, email=options["email"], identity_check=options["identity_check"], actor=self.actor
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed the authenticator of {membership.user.email} ({membership.role} of {tenant.slug}); "
                "their tokens are revoked and they set up a new one at their next sign-in. "
                "They are told by e-mail."
            )
        )

    # ----------------------------------------------------------------------------------------

    def do_create(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        created = services.tenant_create(
            slug=options["slug"],
            name=options["name"],
            owner_email=options["owner_email"],
            domain=options["domain"],
            actor=self.actor,
            country=options["country"],
            currency=options["currency"],
            time_zone=options["timezone"],
            owner_password=options["print_password"],
        )
        ms = (time.perf_counter() - started) * 1000
        tenant = created.tenant
        self.stdout.write(
            self.style.SUCCESS(
                f"Created tenant {tenant.slug} (schema {tenant.schema_name}) at {created.domain.domain} "
                f"in {ms:.0f} ms."
            )
        )
        self.stdout.write(
            f"Currency {tenant.currency}, time zone {tenant.timezone}, country {tenant.country}."
        )
        if created.owner_password:
            self.stdout.write(f"Owner: {created.owner.email} (new user)")
            self.stdout.write(
                f"One-time password (shown once, change it at first sign-in): {created.owner_password}"
            )
        elif created.owner_created:
            self.stdout.write(
                f"Owner: {created.owner.email} (new user): a link to choose their password "
                "is e-mailed to them."
            )
        else:
            self.stdout.write(f"Owner: {created.owner.email} (existing user, password unchanged)")

    def do_update(self, options: dict[str, Any]) -> None:
        tenant = services.tenant_update(
            slug=options["slug"],
            actor=self.actor,
            name=options["name"],
            currency=options["currency"],
            time_zone=options["timezone"],
            country=options["country"],
            add_domains=options["add_domain"],
            remove_domains=options["remove_domain"],
            primary_domain=options["primary_domain"],
        )
        domains = ", ".join(
            f"{d.domain}{' (primary)' if d.is_primary else ''}" for d in tenant.domains.order_by("domain")
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Updated {tenant.slug}: {tenant.name}, {tenant.currency}, {tenant.timezone}, "
                f"{tenant.country}; served at {domains}."
            )
        )

    def do_list(self, options: dict[str, Any]) -> None:
        self.write_listing(
            Tenant.objects.prefetch_related("domains").order_by("slug"),
            as_json=options["json"],
            as_dict=tenant_as_dict,
            empty="No tenants.",
            header=("SLUG", "NAME", "STATUS", "DOMAIN", "CREATED"),
            row=_tenant_row,
        )

    def do_show(self, options: dict[str, Any]) -> None:
        tenant = services.tenant_get(slug=options["slug"])
        data = tenant_as_dict(tenant)
        members = Membership.objects.filter(tenant=tenant).select_related("user").order_by("role")
        data["members"] = [{"email": m.user.email, "role": m.role} for m in members]
        data["recent_audit"] = [
            {"at": e.at.isoformat(), "actor": e.actor, "action": e.action}
            for e in PlatformAuditEntry.objects.filter(tenant_slug=tenant.slug)[:5]
        ]
        if options["json"]:
            self.stdout.write(json.dumps(data, indent=2))
            return
        for key in (
            "slug",
            "name",
            "status",
            "schema",
            "currency",
            "timezone",
            "country",
            "created_at",
            "suspended_at",
            "suspension_reason",
        ):
            if data[key] is not None:
                self.stdout.write(f"{key + ':':<19}{data[key]}")
        self.stdout.write(f"{'domains:':<19}{', '.join(data['domains'])}")
        self.stdout.write("members:")
        for m in data["members"]:
            self.stdout.write(f"  {m['role']:<8} {m['email']}")
        self.stdout.write("recent audit:")
        for e in data["recent_audit"]:
            self.stdout.write(f"  {e['at']}  {e['actor']}  {e['action']}")

    def do_suspend(self, options: dict[str, Any]) -> None:
        tenant = services.tenant_suspend(slug=options["slug"], actor=self.actor)
        self.stdout.write(
            self.style.SUCCESS(
                f"Suspended {tenant.slug}: its users now get 403 "
                "tenant_suspended; offline sales still upload."
            )
        )

    def do_resume(self, options: dict[str, Any]) -> None:
        tenant = services.tenant_resume(slug=options["slug"], actor=self.actor)
        self.stdout.write(self.style.SUCCESS(f"Resumed {tenant.slug}."))

    def do_delete(self, options: dict[str, Any]) -> None:
        if options["no_export"] and options["output"]:
            raise CommandError("--output and --no-export exclude each other.", returncode=2)
        output = (
            None if options["no_export"] else options["output"] or backup.default_export_path(options["slug"])
        )
        exported = services.tenant_delete(
            slug=options["slug"], actor=self.actor, confirmed=options["yes"], export_to=output
        )
        if exported is not None:
            self.stdout.write(
                f"Exported {exported.rows} rows of {exported.tables} tables to {exported.path} "
                f"({exported.bytes} bytes); `tenant import {exported.path}` restores it."
            )
        self.stdout.write(self.style.SUCCESS(f"Deleted tenant {options['slug']} and its schema."))

    def _progress(self, total: int, unit: str) -> tuple[Any, Callable[[str, int], None]]:
        bar: tqdm[Any] = tqdm(total=total, unit=unit, file=sys.stderr, dynamic_ncols=True)

        def step(table: str, rows: int) -> None:
            bar.set_postfix_str(f"{table} ({rows} rows)", refresh=False)
            bar.update(1)

        return bar, step

    def do_export(self, options: dict[str, Any]) -> None:
        tenant = services.tenant_get(slug=options["slug"])
        bar, step = self._progress(len(backup.tenant_tables(tenant)), "table")
        try:
            report = backup.tenant_export(
                slug=tenant.slug, output=options["output"], actor=self.actor, on_progress=step
            )
        finally:
            bar.close()
        self.stdout.write(
            self.style.SUCCESS(
                f"Exported {report.slug}: {report.rows} rows of {report.tables} tables to {report.path} "
                f"({report.bytes} bytes)."
            )
        )

    def do_import(self, options: dict[str, Any]) -> None:
        bar, step = self._progress(0, "table")
        try:
            report = backup.tenant_import(
                path=options["file"], slug=options["slug"], actor=self.actor, on_progress=step
            )
        finally:
            bar.close()
        tenant = report.tenant
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {tenant.slug} (schema {tenant.schema_name}): {report.rows} rows of "
                f"{report.tables} tables."
            )
        )
        self.stdout.write(f"Users: {report.users_created} created, others existing.")
        for email in report.users_matched_by_email:
            self.stdout.write(f"  {email}: an account with this email exists; it is kept as it is.")
        if report.invoices_reattached:
            self.stdout.write(f"Invoices reattached: {report.invoices_reattached}.")
        if report.terminals_revoked:
            self.stdout.write(
                f"Terminals revoked (a copy's terminals pair again): {report.terminals_revoked}."
            )
        for note in report.notes:
            self.stdout.write(f"Note: {note}.")

    def do_migrate(self, options: dict[str, Any]) -> None:
        parallel = options["parallel"]
        if parallel < 1:
            raise CommandError("--parallel must be 1 or more.", returncode=2)
        if connection.transaction_pooling:
            raise CommandError(
                "tenant migrate needs a direct connection to PostgreSQL (DDL, locks held across "
                "transactions, pg_dump): run it with DATABASE_URL pointing at the server and "
                "POS_DB_POOLING unset, not through PgBouncer in transaction mode.",
                returncode=2,
            )
        bar: tqdm[Any] | None = None

        def on_plan(total: int, pending: int) -> None:
            nonlocal bar
            self.stdout.write(f"{total} tenant schemas, {pending} with pending migrations.")
            if pending:
                bar = tqdm(total=pending, unit="schema", file=sys.stderr, dynamic_ncols=True)

        def on_progress(schema: str, error: str | None) -> None:
            if bar is not None:
                bar.update(1)
                if error:
                    bar.write(f"FAILED {schema}")

        report = migrating.migrate_all(
            parallel=parallel, verify=options["verify"], on_plan=on_plan, on_progress=on_progress
        )
        if bar is not None:
            bar.close()
        if report.public_migrated:
            self.stdout.write("Public schema migrated.")
        platform_audit_record(
            actor=self.actor,
            action="tenant.migrate",
            details={
                "tenants": report.total,
                "migrated": len(report.migrated),
                "failed": sorted(report.failed),
                "seconds": round(report.seconds, 3),
            },
        )
        for schema, error in sorted(report.failed.items()):
            self.stderr.write(self.style.ERROR(f"{schema}: {error.strip().splitlines()[-1]}"))
        summary = (
            f"{len(report.migrated)} migrated, {len(report.failed)} failed, "
            f"{report.up_to_date} up to date "
            f"in {report.seconds:.2f} s."
        )
        if report.failed:
            self.stderr.write(self.style.ERROR(summary + " Rerun to retry the failed schemas."))
            raise CommandError("Some tenant schemas failed to migrate.", returncode=1)
        self.stdout.write(self.style.SUCCESS(summary))
        if report.by_script:
            self.stdout.write(f"{report.by_script} of them by their plan's SQL script.")
        if report.migrated:
            self.stdout.write(
                "Steps: " + ", ".join(f"{name} {secs:.1f} s" for name, secs in report.phases.items()) + "."
            )
        if settings.POS_SCHEMA_POOL_SIZE > 0:
            # Schemas built ahead for the migration state just reached; older ones are dropped.
            pool = provisioning.pool_fill()
            if pool.filled:
                self.stdout.write(
                    f"Schema pool: {pool.ready} ready ({pool.built} built, {pool.dropped} dropped)."
                )
            else:
                self.stdout.write("Schema pool: another process is filling it.")

    def do_reconcile(self, options: dict[str, Any]) -> None:
        tenant = services.tenant_get(slug=options["slug"])
        checks = tenant_reconcile(tenant=tenant)
        platform_audit_record(
            actor=self.actor,
            action="tenant.reconcile",
            tenant_slug=tenant.slug,
            details={"checks": {c.name: c.ok for c in checks}},
        )
        if not checks:
            self.stdout.write(f"{tenant.slug}: nothing to reconcile.")
            return
        failed = [c for c in checks if not c.ok]
        for check in checks:
            mark = self.style.SUCCESS("ok  ") if check.ok else self.style.ERROR("FAIL")
            self.stdout.write(f"{mark} {check.name} ({check.checked} checked)")
            for problem in check.problems[:50]:
                self.stdout.write(f"       {problem}")
            if len(check.problems) > 50:
                self.stdout.write(f"       ... and {len(check.problems) - 50} more")
        if failed:
            raise CommandError(
                f"{tenant.slug}: the books do not balance ({len(failed)} of {len(checks)} checks failed).",
                returncode=1,
            )
        self.stdout.write(self.style.SUCCESS(f"{tenant.slug}: the books balance."))
