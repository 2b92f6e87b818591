"""Running on a Citus cluster with schema-based sharding (``POS_CITUS=1``, docs/operations.md).

Each shop schema is a *distributed schema*: its tables live together on one worker and move
together (``citus_schema_move``). What the project does differently there, all of it here:

- Public tables that a tenant table references by a foreign key (users, tenants, ...) become
  *reference tables*, copied to every node: Citus refuses a foreign key from a distributed schema
  into a plain local table. Public tables that reference those in turn become Citus-managed local
  tables on the coordinator, which Citus does by itself. :func:`reference_tables_ensure` runs after
  every migration of the public schema, before any tenant schema is built.
- A schema is made distributed when it is created (the template that the snapshot is dumped from,
  each shop's schema, each pooled schema): ``citus.enable_schema_based_sharding`` is switched on
  for that ``CREATE SCHEMA`` only, so the tables created in it afterwards are the schema's own
  single-shard tables. Other schemas (public) are left alone.

Off Citus every function here does nothing.
"""

from __future__ import annotations

import logging
import re

from django.apps import apps
from django.conf import settings
from django.db.backends.utils import CursorWrapper
from django.db.models import Model

from pos_platform.db import connection

logger = logging.getLogger(__name__)


def enabled() -> bool:
    return bool(getattr(settings, "POS_CITUS", False))


def distributed_schema_sql() -> str:
    """Statement to run before a ``CREATE SCHEMA`` that must become a distributed schema, in the
    same transaction (``SET LOCAL``); empty off Citus."""
    return "SET LOCAL citus.enable_schema_based_sharding = on;\n" if enabled() else ""


def _shared_only(model: type[Model]) -> bool:
    name = model._meta.app_config.name
    return name in settings.SHARED_APPS and name not in settings.TENANT_APPS


def referenced_public_tables() -> list[str]:
    """Public tables that a tenant app's model points at by a foreign key (many-to-many tables
    included)."""
    found: set[str] = set()
    for model in apps.get_models(include_auto_created=True):
        if _shared_only(model) or model._meta.app_config.name not in settings.TENANT_APPS:
            continue
        for field in model._meta.get_fields(include_hidden=True):
            related = getattr(field, "related_model", None)
            concrete = getattr(field, "concrete", False) and field.is_relation
            if (
                concrete
                and isinstance(related, type)
                and issubclass(related, Model)
                and _shared_only(related)
            ):
                found.add(related._meta.db_table)
    return sorted(found)


# The closure over foreign keys: a reference table may only point at other reference tables.
_CLOSURE = """
WITH RECURSIVE wanted(rel) AS (
    SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relname = ANY(%s)
  UNION
    SELECT con.confrelid FROM pg_constraint con JOIN wanted ON con.conrelid = wanted.rel
    WHERE con.contype = 'f'
)
SELECT c.relname FROM wanted JOIN pg_class c ON c.oid = wanted.rel
WHERE NOT EXISTS (
    SELECT 1 FROM pg_dist_partition p WHERE p.logicalrelid = wanted.rel AND p.partmethod = 'n'
      AND p.repmodel = 't'
)
ORDER BY 1
"""


def reference_tables_ensure() -> list[str]:
    """Make every public table that tenant tables reference (and what those reference) a
    reference table; the names converted now. Idempotent; run on the coordinator after public
    migrations."""
    if not enabled():
        return []
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute(_CLOSURE, [referenced_public_tables()])
        missing = [row[0] for row in cursor.fetchall()]
        # Referenced before referencing: create_reference_table wants its targets converted first.
        for table in _dependency_order(cursor, missing):
            logger.info("citus: public.%s becomes a reference table", table)
            cursor.execute("SELECT create_reference_table(%s::regclass)", [f"public.{table}"])
    return missing


def _dependency_order(cursor: CursorWrapper, tables: list[str]) -> list[str]:
    cursor.execute(
        """SELECT a.relname, b.relname FROM pg_constraint con
           JOIN pg_class a ON a.oid = con.conrelid JOIN pg_class b ON b.oid = con.confrelid
           JOIN pg_namespace n ON n.oid = a.relnamespace
           WHERE con.contype = 'f' AND n.nspname = 'public' AND a.relname = ANY(%s)
             AND b.relname = ANY(%s) AND a.oid <> b.oid""",
        [tables, tables],
    )
    needs: dict[str, set[str]] = {table: set() for table in tables}
    for referencing, referenced in cursor.fetchall():
        needs[referencing].add(referenced)
    ordered: list[str] = []
    while needs:
        ready = sorted(table for table, deps in needs.items() if not deps - set(ordered))
        if not ready:  # a cycle: Citus converts the rest together with the first
            ready = sorted(needs)[:1]
        for table in ready:
            ordered.append(table)
            del needs[table]
    return ordered


def schema_placement(schema_name: str) -> tuple[str, int] | None:
    """The worker (host, port) holding ``schema_name``'s tables; None when it is not distributed."""
    if not enabled():
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT p.nodename, p.nodeport FROM citus_schemas s
               JOIN pg_dist_partition d ON d.colocationid = s.colocation_id
               JOIN pg_dist_shard sh ON sh.logicalrelid = d.logicalrelid
               JOIN pg_dist_shard_placement p ON p.shardid = sh.shardid
               WHERE s.schema_name::text = %s LIMIT 1""",
            [schema_name],
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


_IDENTITY = re.compile(
    r"^ALTER TABLE (?:ONLY )?(?P<table>\S+) ALTER COLUMN (?P<column>\S+) "
    r"ADD GENERATED (?P<kind>BY DEFAULT|ALWAYS) AS IDENTITY \((?P<options>.*?)\n\);\n",
    re.MULTILINE | re.DOTALL,
)


def identities_inline(sql: str) -> str:
    """pg_dump adds identity columns after the table (``ALTER TABLE ... ADD GENERATED ... AS
    IDENTITY``), an ALTER TABLE that Citus refuses on a distributed table; written in the
    ``CREATE TABLE`` instead, as migrations do, it is accepted."""
    for match in list(_IDENTITY.finditer(sql)):
        table, column = match["table"], match["column"]
        options = " ".join(line.strip() for line in match["options"].splitlines() if line.strip())
        create = re.compile(
            rf"^(CREATE TABLE {re.escape(table)} \(\n(?:.*\n)*?    {re.escape(column)} [^\n]*?)"
            r"( NOT NULL)?(,?)$",
            re.MULTILINE,
        )
        found = create.search(sql)
        if found is None:
            raise ValueError(f"no CREATE TABLE {table} with column {column} in the snapshot")
        identity = f" GENERATED {match['kind']} AS IDENTITY ({options})"
        sql = sql[: found.start()] + found[1] + identity + (found[2] or "") + found[3] + sql[found.end() :]
        sql = sql.replace(match[0], "", 1)
    return sql


# On Citus a shop's feed rows are written on two kinds of node: by the catalog tables' triggers,
# which run on the worker holding the shop, and by the public membership trigger, which runs on
# the coordinator. An identity column hands out ids from a different range on each (each node
# has its own slice of a distributed sequence), and a worker's slice moves with the shop, so ids
# would stop following commit order and a pull by cursor could skip a change. Every feed row's id
# is therefore drawn where the row is stored, under the feed's per-shop lock, as the next after the
# largest stored: commit order again, on whatever worker the shop lives, before and after a move.
# TG_TABLE_NAME names the shard itself on a worker (the table itself off Citus).
FEED_ORDER_SQL = """
CREATE FUNCTION __SCHEMA__.sync_change_next_id() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1936289382, hashtext(TG_TABLE_SCHEMA || '.sync_change'));
    EXECUTE format('SELECT COALESCE(max(id), 0) + 1 FROM %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO NEW.id;
    RETURN NEW;
END $$;
CREATE TRIGGER sync_change_next_id BEFORE INSERT ON __SCHEMA__.sync_change
    FOR EACH ROW EXECUTE FUNCTION __SCHEMA__.sync_change_next_id();
"""


def snapshot_adapt(sql: str) -> str:
    """The snapshot script of a tenant schema as a distributed schema needs it."""
    return identities_inline(sql) + FEED_ORDER_SQL
