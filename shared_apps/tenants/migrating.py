"""Migrations across every tenant schema, skipping the schemas that have nothing to do.

Running Django's ``migrate`` per tenant costs about a second of Python each even when nothing is
pending. Here the pending schemas are found first, in two steps:

1. Each tenant row carries the migration state its schema was built or last migrated to
   (``Tenant.migration_fingerprint``). A schema stamped with the current state is up to date
   and is not opened at all: with 10,000 shops, reading every schema's ``django_migrations``
   would load 20,000 relations into the catalog caches of one backend for nothing.
2. The others (a new release, or no stamp) are checked in the catalog: a schema is up to date
   when every leaf migration of the graph is recorded in its ``django_migrations`` (Django
   applies a migration only after its dependencies, so the leaves imply the rest). Those found
   up to date are stamped.

Only the schemas that lag are migrated, optionally in parallel processes: by one SQL script per
plan when the plan reduces to SQL (:mod:`shared_apps.tenants.migration_sql`), else by Django's
``migrate``; each is stamped once migrated; one failing schema is reported and the others go on.
A rerun resumes where the last one stopped. ``verify=True`` ignores the stamps (a schema restored
or unmigrated by hand).
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
from shared_apps.tenants import citus, migration_sql, provisioning
from shared_apps.tenants.models import SchemaSnapshot, Tenant

_CHUNK = 250


@dataclass
class MigrateReport:
    total: int = 0
    pending: list[str] = field(default_factory=list)
    migrated: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    up_to_date: int = 0
    # Of the migrated or failed schemas, those migrated by a plan's SQL script.
    by_script: int = 0
    public_migrated: bool = False
    seconds: float = 0.0
    # Seconds per step: finding the pending schemas, writing the scripts, migrating the schemas,
    # building the snapshot of the new state.
    phases: dict[str, float] = field(default_factory=dict)

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


def tenants_lagging(*, verify: bool = False) -> list[str]:
    """The schemas of tenants that may miss a migration (stamp not the current state), or all of
    them with ``verify``; in slug order. Reads the tenants table only."""
    tenants = Tenant.objects.order_by("slug")
    if not verify:
        tenants = tenants.exclude(migration_fingerprint=provisioning.migration_state().fingerprint)
    return list(tenants.values_list("schema_name", flat=True))


def tenants_stamp(schemas: list[str]) -> None:
    """Record that ``schemas`` are at the current migration state."""
    fingerprint = provisioning.migration_state().fingerprint
    for start in range(0, len(schemas), _CHUNK * 4):
        Tenant.objects.filter(schema_name__in=schemas[start : start + _CHUNK * 4]).update(
            migration_fingerprint=fingerprint
        )


# The scripts of the current run, read by forked workers (see migration_sql).
_scripts: list[migration_sql.Script] = []


def _migrate_one(job: tuple[str, int]) -> tuple[str, str | None]:
    """Migrate one schema by its plan's script (index into ``_scripts``) or, with -1, with
    Django's executor; returns (schema, error or None)."""
    schema_name, script = job
    try:
        if script >= 0:
            migration_sql.script_apply(schema_name=schema_name, script=_scripts[script])
        else:
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
    verify: bool = False,
    on_progress: Callable[[str, str | None], None] | None = None,
    on_plan: Callable[[int, int], None] | None = None,
) -> MigrateReport:
    """Bring the public schema and every tenant schema up to date."""
    started = time.perf_counter()
    report = MigrateReport()
    report.public_migrated = migrate_public()
    provisioning.snapshot_forget()
    report.total = Tenant.objects.count()
    lagging = tenants_lagging(verify=verify)
    missing = set(lagging) - _existing_schemas(lagging)
    for schema in sorted(missing):
        report.failed[schema] = "schema does not exist"
    candidates = [s for s in lagging if s not in missing]
    stamps = dict(
        Tenant.objects.filter(schema_name__in=candidates).values_list("schema_name", "migration_fingerprint")
    )
    # Each lagging schema's django_migrations, read once: what it misses, and its plan below.
    present = _schemas_with_table(candidates)
    applied = migration_sql.applied_sets([s for s in candidates if s in present])
    leaves = set(provisioning.migration_state().leaves)
    report.pending = [s for s in candidates if not leaves <= applied.get(s, frozenset())]
    pending = set(report.pending)
    tenants_stamp([s for s in candidates if s not in pending])
    report.up_to_date = report.total - len(missing) - len(report.pending)
    if on_plan:
        on_plan(report.total, len(report.pending))
    report.phases["plan"] = time.perf_counter() - started
    done: list[str] = []
    mark = time.perf_counter()
    scripts, rest = migration_sql.scripts_plan(
        report.pending, applied={s: applied.get(s, frozenset()) for s in report.pending}
    )
    report.phases["scripts"] = time.perf_counter() - mark
    mark = time.perf_counter()
    jobs: list[tuple[str, int]] = [
        (schema, i) for i, script in enumerate(scripts) for schema in script.schemas
    ]
    jobs += [(schema, -1) for schema in rest]
    report.by_script = len(jobs) - len(rest)
    global _scripts
    _scripts = scripts
    for schema, error in _run(jobs, parallel):
        if error is None:
            report.migrated.append(schema)
            done.append(schema)
            if len(done) >= _CHUNK:  # stamped as it goes: an interrupted run keeps its progress
                tenants_stamp(done)
                done = []
        else:
            report.failed[schema] = error
        if on_progress:
            on_progress(schema, error)
    tenants_stamp(done)
    report.phases["schemas"] = time.perf_counter() - mark
    mark = time.perf_counter()
    # If the migration state moved, build the snapshot now rather than at the next create: from
    # the last one and the script when the schemas built from that one took a script.
    _snapshot_by_script(scripts, stamps, set(report.migrated))
    provisioning.snapshot_current()
    report.phases["snapshot"] = time.perf_counter() - mark
    report.seconds = time.perf_counter() - started
    return report


def _snapshot_by_script(
    scripts: list[migration_sql.Script], stamps: dict[str, str], migrated: set[str]
) -> bool:
    """Store the new state's snapshot as the previous one plus a script, when some schemas that
    were at the previous state (by their stamp) took that script, and the migrations it adds are
    the only change since (every other migration's files as they were): a schema built from the
    result is one built from the previous snapshot and migrated like the shops were. Otherwise
    (a migration edited, a plan left to the executor) the template is migrated and dumped."""
    state = provisioning.migration_state()
    if SchemaSnapshot.objects.filter(pk=state.fingerprint).exists():
        return False
    if citus.enabled():  # a Citus snapshot is adapted from a dump (citus.snapshot_adapt)
        return False
    for script in scripts:
        bases = {stamps.get(schema, "") for schema in script.schemas}
        if len(bases) != 1 or not migrated.intersection(script.schemas):
            continue
        (base_fingerprint,) = bases
        if not base_fingerprint or base_fingerprint == state.fingerprint:
            continue
        base = SchemaSnapshot.objects.filter(pk=base_fingerprint).first()
        if base is None or provisioning.fingerprint_without(frozenset(script.applied)) != base_fingerprint:
            continue
        provisioning.snapshot_extend(base=base, sql=script.sql, applied=list(script.applied))
        return True
    return False


def _run(jobs: list[tuple[str, int]], parallel: int) -> Iterator[tuple[str, str | None]]:
    if not jobs:
        return
    if parallel <= 1 or len(jobs) == 1:
        for job in jobs:
            yield _migrate_one(job)
        return
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(processes=min(parallel, len(jobs)), initializer=_worker_init) as pool:
        yield from pool.imap_unordered(_migrate_one, jobs, chunksize=8 if len(jobs) > 64 else 1)
    connections.close_all()
