"""Migrations across every tenant schema, skipping the schemas that have nothing to do.

Running Django's ``migrate`` per tenant costs about a second of Python each even when nothing is
pending. Here the pending schemas are found first with a few catalog queries: a schema is up to
date when every leaf migration of the graph is recorded in its ``django_migrations`` (Django
applies a migration only after its dependencies, so the leaves imply the rest). Only the
schemas that lag run ``migrate``, optionally in parallel processes; one failing schema is
reported and the others go on. A rerun resumes where the last one stopped.
"""

from __future__ import annotations

import multiprocessing
import time
import traceback
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.core.management import call_command
from django.db import connections
from django_tenants.utils import get_public_schema_name, quote_schema_name

from pos_platform.db import connection
from shared_apps.tenants import provisioning
from shared_apps.tenants.models import Tenant

_CHUNK = 250


@dataclass
class MigrateReport:
    total: int = 0
    pending: list[str] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    up_to_date: int = 0
    public_migrated: bool = False
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failed


def _existing_schemas(schemas: list[str]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname = ANY(%s)", [schemas])
        return {row[0] for row in cursor.fetchall()}


def _schemas_with_table(schemas: list[str]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_migrations' AND table_schema = ANY(%s)",
            [schemas],
        )
        return {row[0] for row in cursor.fetchall()}


def schemas_pending(schemas: Iterable[str]) -> list[str]:
    """The schemas (of those given) that miss a migration, in the order given."""
    schemas = list(schemas)
    if not schemas:
        return []
    leaves = [f"{app}.{name}" for app, name in provisioning.migration_state().leaves]
    present = _schemas_with_table(schemas)
    up_to_date: set[str] = set()
    connection.set_schema_to_public()
    ready = [s for s in schemas if s in present]
    for start in range(0, len(ready), _CHUNK):
        chunk = ready[start : start + _CHUNK]
        branches = " UNION ALL ".join(
            # Schema names are quoted identifiers from the tenants table, not user input.
            f"SELECT %s AS s, count(*) AS n FROM {quote_schema_name(s)}.django_migrations m "  # noqa: S608
            "WHERE m.app || '.' || m.name = ANY(%s)"
            for s in chunk
        )
        params: list[object] = []
        for s in chunk:
            params += [s, leaves]
        with connection.cursor() as cursor:
            cursor.execute(branches, params)
            up_to_date.update(s for s, n in cursor.fetchall() if n == len(leaves))
    return [s for s in schemas if s not in up_to_date]


def _migrate_one(schema_name: str) -> tuple[str, str | None]:
    """Migrate one schema with Django's executor; returns (schema, error or None)."""
    try:
        call_command(
            "migrate_schemas",
            schema_name=schema_name,
            tenant=True,
            interactive=False,
            verbosity=0,
            skip_checks=True,
        )
        return schema_name, None
    except Exception:
        return schema_name, traceback.format_exc(limit=8)
    finally:
        connection.set_schema_to_public()


def _worker_init() -> None:
    # A forked worker must not share its parent's socket to PostgreSQL.
    for conn in connections.all(initialized_only=True):
        conn.inc_thread_sharing()
        conn.close()
        conn.dec_thread_sharing()
    connections.close_all()


def migrate_public() -> bool:
    """Migrate the public schema if it lags; True when something was applied."""
    if not schemas_pending([get_public_schema_name()]):
        return False
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0, skip_checks=True)
    connection.set_schema_to_public()
    return True


def migrate_all(
    *,
    parallel: int = 1,
    on_progress: Callable[[str, str | None], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
) -> MigrateReport:
    """Bring the public schema and every tenant schema up to date."""
    started = time.perf_counter()
    report = MigrateReport()
    report.public_migrated = migrate_public()
    provisioning.snapshot_forget()
    tenants = list(Tenant.objects.order_by("slug").values_list("schema_name", flat=True))
    report.total = len(tenants)
    missing = set(tenants) - _existing_schemas(tenants)
    for schema in sorted(missing):
        report.failed[schema] = "schema does not exist"
    candidates = [s for s in tenants if s not in missing]
    report.pending = schemas_pending(candidates)
    report.up_to_date = len(candidates) - len(report.pending)
    if on_plan:
        on_plan(report.total, len(report.pending))
    for schema, error in _run(report.pending, parallel):
        if error is None:
            report.migrated.append(schema)
        else:
            report.failed[schema] = error
        if on_progress:
            on_progress(schema, error)
    # If the migration state moved, build the snapshot now rather than at the next create.
    provisioning.snapshot_current()
    report.seconds = time.perf_counter() - started
    return report


def _run(schemas: list[str], parallel: int) -> Iterator[tuple[str, str | None]]:
    if not schemas:
        return
    if parallel <= 1 or len(schemas) == 1:
        for schema in schemas:
            yield _migrate_one(schema)
        return
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=min(parallel, len(schemas)), initializer=_worker_init) as pool:
        yield from pool.imap_unordered(_migrate_one, schemas)
    connections.close_all()
