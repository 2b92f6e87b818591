"""Fast tenant schemas from a cached DDL snapshot.

Running every migration for each new tenant (django-tenants' ``auto_create_schema``) costs
hundreds of milliseconds of Python per tenant. Instead, the state of a fully migrated tenant
schema is captured once per *migration state*: a template schema is migrated the normal way,
dumped with ``pg_dump`` (structure, ``django_migrations`` rows, content types, sequence values),
and the dump is stored in :class:`SchemaSnapshot`. The template lives in a scratch database of
the same server while it is built (``POS_SNAPSHOT_SCRATCH_DATABASE``), as ``pg_dump`` reads the
catalog of every relation of its database: in place, among 10,000 shops, that takes minutes. A new
tenant schema is then one SQL script executed in the caller's transaction.

Running that script still creates every table, index and constraint (on PostgreSQL 15 and older
each index build also waits for an fsync). So a few schemas are built ahead, in the background, into
a pool (:class:`PooledSchema`, ``POS_SCHEMA_POOL_SIZE``): creating a tenant claims one and
renames it, which takes a millisecond, and falls back to the script when the pool is empty. A
pooled schema belongs to the migration state it was built for; one of an older state is never
claimed and is dropped by the next fill.

The migration state is a fingerprint of every migration on disk (names, the contents of each
migration's module file and of the project modules it imports, such as ``sync/feed_sql.py``) and
of the tenant app list; when it moves, the next provisioning builds a new snapshot. The snapshot
is proved equivalent to a migrated schema by ``tests/tenants/test_provisioning.py``.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.util
import logging
import os
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from django.conf import settings
from django.core.management import call_command
from django.core.management.commands.migrate import Command as DjangoMigrateCommand
from django.db import transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django_tenants.utils import get_public_schema_name, quote_schema_name, schema_context

from pos_platform.db import connection
from pos_platform.db.schema import split_statements
from shared_apps.tenants import citus
from shared_apps.tenants.models import PooledSchema, SchemaSnapshot

logger = logging.getLogger(__name__)

PLACEHOLDER = "__SCHEMA__"
TEMPLATE_PREFIX = "pos_snapshot_"
POOL_PREFIX = "pos_pool_"
# Serialises snapshot builds across processes (pg_advisory_lock key).
_BUILD_LOCK_KEY = 0x504F53534E4150  # "POSSNAP"
# One pool-fill step at a time (pg_try_advisory_xact_lock key).
_POOL_LOCK_KEY = 0x504F53504F4F4C  # "POSPOOL"


@dataclass(frozen=True)
class MigrationState:
    fingerprint: str
    leaves: tuple[tuple[str, str], ...]


_state: MigrationState | None = None
_snapshots: dict[str, SchemaSnapshot] = {}


def migration_files(migration: Any) -> list[Path]:
    """The files a migration's effect depends on: its module, and the project modules it imports
    (SQL held in module-level constants or built by helpers, e.g. ``sync/feed_sql.py``). Hashing
    only the ``Migration`` class body would miss an edit to those, and new tenants would get a
    stale schema from an old snapshot."""
    module = sys.modules.get(type(migration).__module__)
    origin = getattr(module, "__file__", None)
    if origin is None:
        return []
    path = Path(origin).resolve()
    files = [path]
    root = Path(settings.BASE_DIR).resolve()
    for node in ast.walk(ast.parse(path.read_bytes())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            try:
                spec = importlib.util.find_spec(name)
            except (ImportError, ValueError):
                continue
            if spec is None or not spec.origin or not spec.has_location:
                continue
            imported = Path(spec.origin).resolve()
            if imported.is_relative_to(root) and "site-packages" not in imported.parts:
                files.append(imported)
    return sorted(set(files), key=lambda f: (f != path, str(f)))


def migration_digest(migration: Any) -> bytes:
    """The hash of :func:`migration_files` (their contents), or of the operations when the
    migration has no file."""
    files = migration_files(migration)
    digest = hashlib.sha256()
    if not files:
        digest.update(repr(migration.operations).encode())
    for path in files:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.digest()


def _fingerprint(loader: MigrationLoader, *, without: frozenset[tuple[str, str]] = frozenset()) -> str:
    digest = hashlib.sha256()
    digest.update(repr(sorted(settings.TENANT_APPS)).encode())
    for key in sorted(loader.graph.nodes):
        if key in without:
            continue
        digest.update(f"{key[0]}.{key[1]}\n".encode())
        digest.update(migration_digest(loader.graph.nodes[key]))
    return digest.hexdigest()


def migration_state(*, refresh: bool = False) -> MigrationState:
    """The fingerprint of the migrations on disk; computed once per process."""
    global _state
    if _state is None or refresh:
        loader = MigrationLoader(None, ignore_no_migrations=True)
        _state = MigrationState(
            fingerprint=_fingerprint(loader),
            leaves=tuple(sorted(loader.graph.leaf_nodes())),
        )
    return _state


def fingerprint_without(migrations: frozenset[tuple[str, str]]) -> str:
    """The fingerprint the migration state had before ``migrations`` were added, every other
    migration (and every file they read) as it is on disk now."""
    return _fingerprint(MigrationLoader(None, ignore_no_migrations=True), without=migrations)


def snapshot_extend(*, base: SchemaSnapshot, sql: str, applied: list[tuple[str, str]]) -> SchemaSnapshot:
    """The snapshot of the current migration state as ``base`` followed by ``sql`` (run with the
    new schema first on the search path) and the rows of ``applied`` in its ``django_migrations``:
    what a schema built from ``base`` becomes when migrated by that script. No template is
    migrated and nothing is dumped, so it costs the same whatever the number of shops. The
    caller's search path is given back at the end of the script (it runs in their transaction)."""
    state = migration_state()
    public = get_public_schema_name()

    def literal(text: str) -> str:
        return "'" + text.replace("'", "''") + "'"

    rows = ", ".join(f"({literal(app)}, {literal(name)}, now())" for app, name in applied)
    tail = (
        "SELECT set_config('pos.snapshot_path', current_setting('search_path'), true);\n"
        f"SELECT set_config('search_path', '{PLACEHOLDER}, {public}', true);\n"
        f"{sql.strip()}\n"
        f"INSERT INTO {PLACEHOLDER}.django_migrations (app, name, applied) VALUES {rows};\n"
        "SELECT set_config('search_path', current_setting('pos.snapshot_path'), true);\n"
    )
    snapshot = SchemaSnapshot(
        fingerprint=state.fingerprint,
        sql=base.sql + tail,
        leaf_migrations=[list(leaf) for leaf in state.leaves],
        statements=(base.sql + tail).count(";\n"),
        build_ms=0,
    )
    SchemaSnapshot.objects.bulk_create([snapshot], ignore_conflicts=True)
    _snapshots.pop(state.fingerprint, None)
    return SchemaSnapshot.objects.get(pk=state.fingerprint)


def snapshot_current() -> SchemaSnapshot:
    """The snapshot for the current migration state, building it if there is none yet."""
    state = migration_state()
    snapshot = _snapshots.get(state.fingerprint)
    if snapshot is None:
        snapshot = SchemaSnapshot.objects.filter(pk=state.fingerprint).first()
        if snapshot is None:
            snapshot = snapshot_build(state=state)
        _snapshots[state.fingerprint] = snapshot
    return snapshot


def snapshot_build(*, state: MigrationState) -> SchemaSnapshot:
    """Migrate a template schema, dump it, store the dump. Must run outside a transaction:
    ``pg_dump`` reads the template from its own connection."""
    if connection.in_atomic_block:
        raise RuntimeError(
            "The tenant schema snapshot is out of date and cannot be rebuilt inside a transaction; "
            "run `manage.py tenant migrate` (it rebuilds the snapshot) and retry."
        )
    if connection.transaction_pooling:
        # The build holds a session-level lock across many transactions and pg_dump reads the
        # template from its own connection: it needs a connection of its own to PostgreSQL.
        raise RuntimeError(
            "The tenant schema snapshot is out of date and cannot be built through PgBouncer in "
            "transaction mode; run `manage.py tenant migrate` with a direct DATABASE_URL "
            "(POS_DB_POOLING=session) and retry."
        )
    connection.set_schema_to_public()
    # The lock is held by a session of its own: the build itself may move this thread's
    # connection to a scratch database and back.
    locker = connection.get_new_connection(connection.get_connection_params())
    locker.autocommit = True
    try:
        locker.execute("SELECT pg_advisory_lock(%s)", [_BUILD_LOCK_KEY])
        existing = SchemaSnapshot.objects.filter(pk=state.fingerprint).first()
        if existing is not None:  # built by another process while this one waited
            return existing
        started = time.perf_counter()
        template = f"{TEMPLATE_PREFIX}{state.fingerprint[:16]}"
        sql = None
        # On Citus the template is built in place, as a distributed schema like the shops'.
        if settings.POS_SNAPSHOT_SCRATCH_DATABASE and not citus.enabled():
            try:
                with _on_scratch_database(_scratch_name(state)):
                    sql = _template_sql(template)
            except Exception:
                logger.warning(
                    "schema snapshot: no scratch database (%s), built in place", template, exc_info=True
                )
        if sql is None:
            sql = _template_sql(template)
        if citus.enabled():
            sql = citus.snapshot_adapt(sql)
        snapshot = SchemaSnapshot(
            fingerprint=state.fingerprint,
            sql=sql,
            leaf_migrations=[list(leaf) for leaf in state.leaves],
            statements=sql.count(";\n"),
            build_ms=int((time.perf_counter() - started) * 1000),
        )
        SchemaSnapshot.objects.bulk_create([snapshot], ignore_conflicts=True)
        return snapshot
    finally:
        connection.set_schema_to_public()
        locker.close()  # and with it the lock


def _template_sql(template: str) -> str:
    """Migrate ``template`` into the connection's database, dump it, drop it."""
    quoted = quote_schema_name(template)
    connection.set_schema_to_public()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {quoted} CASCADE")
        cursor.execute(citus.distributed_schema_sql() + f"CREATE SCHEMA {quoted}")
    try:
        _migrate_schema(template)
        return _rekey_placeholders(_dump_schema(template), _seeded_ids(template))
    finally:
        connection.set_schema_to_public()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {quoted} CASCADE")


def _scratch_name(state: MigrationState) -> str:
    """The scratch database of a build: one per configured database and migration state."""
    key = f"{connection.settings_dict['NAME']}:{state.fingerprint}".encode()
    return f"{TEMPLATE_PREFIX}{hashlib.sha256(key).hexdigest()[:16]}"


# Extensions a scratch database does not copy: Citus makes a database a node of its cluster.
_SCRATCH_SKIP_EXTENSIONS = ("plpgsql", "citus", "citus_columnar")


@contextlib.contextmanager
def _on_scratch_database(name: str) -> Iterator[None]:
    """This thread's connection, for the block, on a new empty database ``name`` of the same
    server (with the extensions of the configured database), dropped afterwards.

    ``pg_dump`` reads the catalog entries of every relation of its database before it dumps one
    schema, so dumping the template where 10,000 shops live takes minutes; in a database of its
    own the template is the only schema. Tenant migrations touch their own schema only."""
    from django.contrib.contenttypes.models import ContentType

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT extname FROM pg_extension WHERE NOT extname = ANY(%s)", [list(_SCRATCH_SKIP_EXTENSIONS)]
        )
        extensions = [row[0] for row in cursor.fetchall()]
    admin = connection.get_new_connection(connection.get_connection_params())
    admin.autocommit = True
    quoted = quote_schema_name(name)
    main = connection.settings_dict
    try:
        admin.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {quoted} TEMPLATE template0")
        connection.close()
        # A copy: the dict is shared with the other threads' connections, which stay where they are.
        connection.settings_dict = {**main, "NAME": name}
        ContentType.objects.clear_cache()  # ids are the scratch database's
        try:
            with connection.cursor() as cursor:
                for extension in extensions:
                    cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {quote_schema_name(extension)}")
            yield
        finally:
            connection.close()
            connection.settings_dict = main
            ContentType.objects.clear_cache()
    finally:
        try:
            admin.execute(f"DROP DATABASE IF EXISTS {quoted} WITH (FORCE)")
        finally:
            admin.close()


def _migrate_schema(schema_name: str) -> None:
    """Run every migration into ``schema_name``, as django-tenants does for one tenant."""
    # The recorder must create django_migrations in the tenant schema, not find public's.
    connection.set_schema(schema_name, include_public=False)
    MigrationRecorder(connection).ensure_schema()
    connection.set_schema(schema_name)
    call_command(DjangoMigrateCommand(), interactive=False, verbosity=0, skip_checks=True)
    connection.set_schema_to_public()


def _seeded_ids(schema_name: str) -> list[str]:
    """The ids of the rows that migrations seeded in ``POS_SNAPSHOT_REKEY_TABLES``."""
    ids: list[str] = []
    with connection.cursor() as cursor:
        for table in getattr(settings, "POS_SNAPSHOT_REKEY_TABLES", []):
            cursor.execute(
                f"SELECT id::text FROM {quote_schema_name(schema_name)}.{quote_schema_name(table)} ORDER BY 1"  # noqa: S608
            )
            ids += [row[0] for row in cursor.fetchall()]
    return ids


_REKEY = re.compile(r"__UUID_(\d+)__")


def _rekey_placeholders(sql: str, ids: list[str]) -> str:
    """Rows that migrations seed (default payment methods, the settings row) would carry the same
    UUIDs in every tenant: an id of one tenant must mean nothing at another. Each such id becomes
    a placeholder, replaced everywhere it occurs (references included) by a fresh UUID per tenant."""
    for index, value in enumerate(ids):
        sql = sql.replace(f"'{value}'", f"'__UUID_{index}__'")
    return sql


def pg_program(name: str) -> str:
    """A PostgreSQL client program: from ``POS_PG_BIN_DIR`` when set, else from PATH."""
    found = shutil.which(name, path=settings.POS_PG_BIN_DIR or None)
    if not found:
        raise FileNotFoundError(f"{name} not found (set POS_PG_BIN_DIR to the folder that holds it)")
    return found


def pg_dump_command(*, schema_name: str, options: list[str]) -> tuple[list[str], dict[str, str]]:
    """``pg_dump`` of one schema of the configured database, with ``options``: the arguments and
    the environment to run it with."""
    db = connection.settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    args = [pg_program("pg_dump"), "--schema", schema_name, *options]
    args += ["--dbname", str(db["NAME"]), "--username", str(db.get("USER") or "postgres")]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    return args, env


def _dump_schema(schema_name: str) -> str:
    options = ["--no-owner", "--no-privileges", "--no-tablespaces", "--inserts", "--rows-per-insert", "500"]
    args, env = pg_dump_command(schema_name=schema_name, options=options)
    result = subprocess.run(args, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"pg_dump failed: {result.stderr.strip()}")
    return _normalise_dump(result.stdout, schema_name)


_SKIP = re.compile(
    r"^(--|\\restrict|\\unrestrict|SET |SELECT pg_catalog\.set_config\(|CREATE SCHEMA |ALTER SCHEMA )"
    # Attribute options some servers stamp on every column themselves; not part of the schema.
    r"|^ALTER TABLE ONLY \S+ ALTER COLUMN \S+ SET \(pg_attver=\d+\);$"
)


# What opens or closes a quoted span of SQL: a string, a quoted name, a dollar quote ($tag$).
_QUOTE = re.compile(r"'|\"|\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$")


def _statement_ends(line: str, quote: str | None) -> tuple[bool, str | None]:
    """Whether ``line`` ends a statement (a ``;`` at its end, outside quotes), and the quote
    still open after it (``quote``: the one open before it, or None)."""
    position = 0
    while True:
        if quote is not None:
            close = line.find(quote, position)
            if close < 0:
                return False, quote
            position, quote = close + len(quote), None
            continue
        found = _QUOTE.search(line, position)
        if found is None:
            return line.rstrip().endswith(";"), None
        position, quote = found.end(), found.group()


def _normalise_dump(dump: str, schema_name: str) -> str:
    """Keep the statements that build objects and rows, each as ``pg_dump`` wrote it; name the
    schema by a placeholder. Comments, blank lines and session settings are dropped between
    statements only: inside one (a function's body, a text value of a seeded row) every line is
    kept, blank ones included."""
    kept: list[str] = []
    inside, quote = False, None
    for line in dump.splitlines():
        if not inside and (not line.strip() or _SKIP.match(line)):
            continue
        kept.append(line)
        ends, quote = _statement_ends(line, quote)
        inside = not ends or quote is not None
    text = "\n".join(kept) + "\n"
    return re.sub(rf"\b{re.escape(schema_name)}\b", PLACEHOLDER, text)


def schema_apply(*, schema_name: str, snapshot: SchemaSnapshot) -> None:
    """Create ``schema_name`` from the snapshot, in the caller's transaction."""
    quoted = quote_schema_name(schema_name)
    fresh: dict[str, str] = {}
    sql = _REKEY.sub(
        lambda m: fresh.setdefault(m.group(1), str(uuid.uuid4())), snapshot.sql.replace(PLACEHOLDER, quoted)
    )
    with schema_context(get_public_schema_name()), connection.cursor() as cursor:
        if citus.enabled():
            # Citus forwards some DDL to the workers by its text, one command per message.
            for statement in [
                citus.distributed_schema_sql(),
                f"CREATE SCHEMA {quoted};",
                *split_statements(sql),
            ]:
                cursor.execute(statement)
        else:
            cursor.execute(f"CREATE SCHEMA {quoted};\n" + sql)


def schema_create(*, schema_name: str, snapshot: SchemaSnapshot) -> Literal["pool", "snapshot"]:
    """Create ``schema_name`` in the caller's transaction: a pooled schema of the snapshot's
    migration state renamed, or, with none left, the snapshot's script. If the transaction rolls
    back, a claimed schema goes back to the pool with its old name."""
    if settings.POS_SCHEMA_POOL_SIZE > 0 and _pool_claim(
        schema_name=schema_name, fingerprint=snapshot.fingerprint
    ):
        return "pool"
    schema_apply(schema_name=schema_name, snapshot=snapshot)
    return "snapshot"


def _pool_claim(*, schema_name: str, fingerprint: str) -> bool:
    """Rename the oldest free pooled schema of ``fingerprint`` to ``schema_name``, in the
    caller's transaction; False when there is none."""
    with schema_context(get_public_schema_name()), connection.cursor() as cursor:
        cursor.execute(
            f"""DELETE FROM {PooledSchema._meta.db_table} WHERE schema_name = (
                    SELECT schema_name FROM {PooledSchema._meta.db_table} WHERE fingerprint = %s
                    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING schema_name""",  # noqa: S608 - table name from the model
            [fingerprint],
        )
        row = cursor.fetchone()
        if row is None:
            return False
        cursor.execute(f"ALTER SCHEMA {quote_schema_name(row[0])} RENAME TO {quote_schema_name(schema_name)}")
    return True


@dataclass(frozen=True)
class PoolReport:
    ready: int
    built: int
    dropped: int
    # False when another process was filling the pool: this call did nothing.
    filled: bool = True


def _pool_lock() -> bool:
    """Take the pool's advisory lock for the current transaction; False when another filler has
    it. Transaction-level, so that it is released at commit even behind PgBouncer in transaction
    mode (a session-level lock would stay on whichever server connection took it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_POOL_LOCK_KEY])
        (locked,) = cursor.fetchone()
    return bool(locked)


def pool_fill(*, size: int | None = None, on_built: Callable[[str], None] | None = None) -> PoolReport:
    """Bring the pool to ``size`` schemas (default ``POS_SCHEMA_POOL_SIZE``) of the current
    migration state: drop the schemas of other states and any beyond ``size``, then build the
    missing ones, each in its own transaction under the pool's lock. Safe to run at any time and
    from several processes (while one fills, the others return at once)."""
    size = settings.POS_SCHEMA_POOL_SIZE if size is None else size
    snapshot = snapshot_current()
    connection.set_schema_to_public()
    current = PooledSchema.objects.filter(fingerprint=snapshot.fingerprint)
    built = dropped = 0

    def busy() -> PoolReport:
        return PoolReport(ready=current.count(), built=built, dropped=dropped, filled=False)

    surplus = list(current.order_by("-created_at").values_list("pk", flat=True)[max(size, 0) :])
    stale = list(PooledSchema.objects.exclude(fingerprint=snapshot.fingerprint).values_list("pk", flat=True))
    for name in stale + surplus:
        with transaction.atomic():
            if not _pool_lock():
                return busy()
            # Skips a schema that a tenant create is claiming right now.
            entry = PooledSchema.objects.select_for_update(skip_locked=True).filter(pk=name).first()
            if entry is not None:
                entry.delete()
                schema_drop(schema_name=name)
                dropped += 1
    while True:
        with transaction.atomic():
            if not _pool_lock():
                return busy()
            ready = current.count()
            if ready >= size:
                break
            name = f"{POOL_PREFIX}{uuid.uuid4().hex[:20]}"
            schema_apply(schema_name=name, snapshot=snapshot)
            PooledSchema.objects.create(schema_name=name, fingerprint=snapshot.fingerprint)
        built += 1
        if on_built is not None:
            on_built(name)
    return PoolReport(ready=ready, built=built, dropped=dropped)


def pool_fill_later() -> None:
    """Queue a pool fill for the Celery worker; a broker that cannot be reached only means that
    the next tenants are built from the script until the periodic fill runs."""
    if settings.POS_SCHEMA_POOL_SIZE <= 0:
        return
    from shared_apps.tenants.tasks import schema_pool_fill

    try:
        schema_pool_fill.apply_async(retry=False, ignore_result=True)
    except Exception as exc:  # the tenant exists; the pool is an optimisation
        logger.warning("schema pool fill not queued: %s", exc)


def schema_drop(*, schema_name: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP SCHEMA IF EXISTS {quote_schema_name(schema_name)} CASCADE")


def schema_exists(schema_name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", [schema_name])
        return cursor.fetchone() is not None


def snapshot_forget() -> None:
    """Drop the per-process caches (after migrations moved, or in tests)."""
    global _state
    _state = None
    _snapshots.clear()


def describe_schema(schema_name: str) -> dict[str, Any]:
    """A comparable description of a schema: every catalog fact a migration can set.

    The schema's own name is replaced by a placeholder, so two schemas built from the same
    migrations compare equal.
    """
    queries = {
        "tables": """
            SELECT c.relname, c.relkind FROM pg_class c
            WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f')
            ORDER BY 1""",
        "columns": """
            SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                   pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated,
                   col_description(c.oid, a.attnum)
            FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
            LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE c.relnamespace = %(ns)s::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
              AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY 1, 2""",
        "indexes": """
            SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = %(ns)s ORDER BY 1""",
        "constraints": """
            SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.condeferrable,
                   k.condeferred
            FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
            WHERE k.connamespace = %(ns)s::regnamespace ORDER BY 1, 2""",
        "sequences": """
            SELECT sequencename, data_type::text, start_value, min_value, max_value, increment_by,
                   cycle, cache_size, last_value
            FROM pg_sequences WHERE schemaname = %(ns)s ORDER BY 1""",
        "sequence_owners": """
            SELECT s.relname, t.relname, a.attname FROM pg_depend d
            JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'
            JOIN pg_class t ON t.oid = d.refobjid
            JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid
            WHERE s.relnamespace = %(ns)s::regnamespace AND d.deptype IN ('a', 'i') ORDER BY 1""",
        "triggers": """
            SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid) FROM pg_trigger t
            JOIN pg_class c ON c.oid = t.tgrelid
            WHERE c.relnamespace = %(ns)s::regnamespace AND NOT t.tgisinternal ORDER BY 1, 2""",
        "functions": """
            SELECT p.proname, pg_get_function_identity_arguments(p.oid), pg_get_functiondef(p.oid)
            FROM pg_proc p WHERE p.pronamespace = %(ns)s::regnamespace ORDER BY 1, 2""",
        "views": """
            SELECT viewname, definition FROM pg_views WHERE schemaname = %(ns)s ORDER BY 1""",
    }
    quoted = quote_schema_name(schema_name)
    result: dict[str, Any] = {}
    with connection.cursor() as cursor:
        for name, sql in queries.items():
            cursor.execute(sql, {"ns": schema_name})
            result[name] = [tuple(_neutral(v, schema_name) for v in row) for row in cursor.fetchall()]
        cursor.execute(f"SELECT app, name FROM {quoted}.django_migrations ORDER BY app, name")  # noqa: S608
        result["django_migrations"] = cursor.fetchall()
        cursor.execute(f"SELECT app_label, model FROM {quoted}.django_content_type ORDER BY 1, 2")  # noqa: S608
        result["content_types"] = cursor.fetchall()
    return result


def _neutral(value: Any, schema_name: str) -> Any:
    if isinstance(value, str):
        return re.sub(rf'"?\b{re.escape(schema_name)}\b"?', PLACEHOLDER, value)
    return value
