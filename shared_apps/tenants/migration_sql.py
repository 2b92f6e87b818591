"""Pending tenant migrations as one SQL script, written once and run in every schema that needs it.

Django's executor costs one to three seconds of Python per schema for any migration (it loads the
graph and renders the project state for each), so one added column over 10,000 shops would take
hours. Most migrations of a live platform are schema changes that reduce to SQL (add a column, an
index, a constraint). For those, the schemas that lag are grouped by the migrations they already
have; for each group the plan is turned into SQL once, by Django's own schema editor in
``collect_sql`` mode (as ``sqlmigrate`` does), and the script is then run in each schema of the
group, in a transaction of its own with the migrations' ``django_migrations`` rows.

A plan qualifies only when every migration in it is atomic and every operation is one of
:data:`_SQL_OPERATIONS`, operations whose database effect is exactly their SQL (or a
``SeparateDatabaseAndState`` whose database operations all are). Anything else
(``RunPython``, new or deleted models, whose content types Django's ``post_migrate`` writes,
non-atomic migrations) goes through the executor, one schema at a time, as before.
``tests/tenants/test_migrating.py`` proves a schema migrated by the script equal to one migrated
by the executor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import migrations, transaction
from django.db.migrations.executor import MigrationExecutor
from django_tenants.utils import get_public_schema_name, quote_schema_name

from pos_platform.db import connection

_CHUNK = 250

_SQL_OPERATIONS: tuple[type[migrations.operations.base.Operation], ...] = (
    migrations.AddField,
    migrations.AlterField,
    migrations.RemoveField,
    migrations.RenameField,
    migrations.AddIndex,
    migrations.RemoveIndex,
    migrations.RenameIndex,
    migrations.AddConstraint,
    migrations.RemoveConstraint,
    migrations.AlterUniqueTogether,
    migrations.AlterModelOptions,
    migrations.AlterModelManagers,
    migrations.AlterModelTableComment,
    migrations.RunSQL,
)


@dataclass(frozen=True)
class Script:
    """The SQL of a plan and the migrations it records, for the schemas that share it."""

    schemas: tuple[str, ...]
    sql: str
    applied: tuple[tuple[str, str], ...]


def applied_sets(schemas: list[str]) -> dict[str, frozenset[tuple[str, str]]]:
    """Each schema's applied migrations, read in a query per 250 schemas."""
    result: dict[str, frozenset[tuple[str, str]]] = {}
    for start in range(0, len(schemas), _CHUNK):
        chunk = schemas[start : start + _CHUNK]
        branches = " UNION ALL ".join(
            # Schema names are quoted identifiers from the tenants table, not user input.
            f"SELECT %s, app, name FROM {quote_schema_name(s)}.django_migrations"  # noqa: S608
            for s in chunk
        )
        rows: dict[str, set[tuple[str, str]]] = {s: set() for s in chunk}
        with connection.cursor() as cursor:
            cursor.execute(branches, chunk)
            for schema, app, name in cursor.fetchall():
                rows[schema].add((app, name))
        result.update({s: frozenset(v) for s, v in rows.items()})
    return result


def _is_sql(operation: migrations.operations.base.Operation) -> bool:
    """Whether the operation's database effect is exactly its SQL: one of :data:`_SQL_OPERATIONS`,
    or a ``SeparateDatabaseAndState`` whose database operations all are."""
    if isinstance(operation, migrations.SeparateDatabaseAndState):
        return all(type(op) in _SQL_OPERATIONS for op in operation.database_operations)
    return type(operation) in _SQL_OPERATIONS


def _qualifies(plan: list[tuple[migrations.Migration, bool]]) -> bool:
    return bool(plan) and all(
        not backwards and migration.atomic and all(_is_sql(op) for op in migration.operations)
        for migration, backwards in plan
    )


def scripts_plan(
    schemas: list[str], *, applied: dict[str, frozenset[tuple[str, str]]] | None = None
) -> tuple[list[Script], list[str]]:
    """Split the schemas that lag into scripts (schemas sharing a plan that reduces to SQL) and
    the schemas left to Django's executor; ``applied``: their applied migrations if already read."""
    groups: dict[frozenset[tuple[str, str]], list[str]] = defaultdict(list)
    for schema, migrations_applied in (applied if applied is not None else applied_sets(schemas)).items():
        groups[migrations_applied].append(schema)
    scripts: list[Script] = []
    rest: list[str] = []
    try:
        for group, members in groups.items():
            # The router decides per schema whether an app's operations run: a tenant's.
            connection.set_schema(members[0])
            executor = MigrationExecutor(connection)
            graph_nodes = set(executor.loader.graph.nodes)
            executor.loader.applied_migrations = {key: None for key in group & graph_nodes}  # type: ignore[misc]
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if not _qualifies(plan):
                rest += members
                continue
            statements = executor.loader.collect_sql(plan)
            scripts.append(
                Script(
                    schemas=tuple(members),
                    sql="\n".join(statements),
                    # Recorded as Django's executor records them (a squashed migration as
                    # the migrations it replaces).
                    applied=tuple(key for m, _ in plan for key in (m.replaces or [(m.app_label, m.name)])),
                )
            )
    finally:
        connection.set_schema_to_public()
    return scripts, rest


def script_apply(*, schema_name: str, script: Script) -> None:
    """Run ``script`` in ``schema_name`` and record its migrations there, in one transaction."""
    quoted = quote_schema_name(schema_name)
    values = ", ".join(["(%s, %s, now())"] * len(script.applied))
    params = [part for key in script.applied for part in key]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL search_path = {quoted}, {quote_schema_name(get_public_schema_name())}")
        cursor.execute(script.sql)
        cursor.execute(
            f"INSERT INTO {quoted}.django_migrations (app, name, applied) VALUES {values}",  # noqa: S608
            params,
        )
