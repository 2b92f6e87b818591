"""The change feed: triggers on the pulled tables write change rows, in commit order.

Statement-level triggers with transition tables write one INSERT per statement, whatever the
number of rows it touched. Before writing, a trigger takes a transaction-level advisory lock
keyed by the tenant's schema: writers of one tenant's feed take their change ids one transaction
after another, so ids are handed out in commit order and a pull that reads ``id > cursor`` can
never skip a change that commits late (docs/sync-protocol.md). Only catalog-type tables feed it,
so the lock costs nothing on the sales path. The functions name the schema of the table that fired
them, so they work whatever the session's search_path.
"""

from django.db import migrations

FUNCTIONS = """
CREATE FUNCTION sync_feed_lock(schema_name text) RETURNS void LANGUAGE sql AS $$
    SELECT pg_advisory_xact_lock(1936289382, hashtext(schema_name || '.sync_change'))
$$;

CREATE FUNCTION sync_feed_upserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sync_feed_lock(TG_TABLE_SCHEMA);
    EXECUTE format(
        'INSERT INTO %I.sync_change (kind, object_id, deleted, changed_at) '
        'SELECT $1, (to_jsonb(r) ->> %L)::uuid, false, now() FROM changed_rows r',
        TG_TABLE_SCHEMA, TG_ARGV[1]) USING TG_ARGV[0];
    RETURN NULL;
END $$;

CREATE FUNCTION sync_feed_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM sync_feed_lock(TG_TABLE_SCHEMA);
    EXECUTE format(
        'INSERT INTO %I.sync_change (kind, object_id, deleted, changed_at) '
        'SELECT $1, (to_jsonb(r) ->> %L)::uuid, true, now() FROM changed_rows r',
        TG_TABLE_SCHEMA, TG_ARGV[1]) USING TG_ARGV[0];
    RETURN NULL;
END $$;
"""

DROP_FUNCTIONS = """
DROP FUNCTION IF EXISTS sync_feed_upserted() CASCADE;
DROP FUNCTION IF EXISTS sync_feed_deleted() CASCADE;
DROP FUNCTION IF EXISTS sync_feed_lock(text);
"""


def feed_triggers(table: str, kind: str, id_column: str = "id") -> tuple[str, str]:
    """SQL to make ``table`` write ``kind`` changes to the feed, and to undo it."""
    forward = f"""
CREATE TRIGGER sync_feed_ins AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION sync_feed_upserted('{kind}', '{id_column}');
CREATE TRIGGER sync_feed_upd AFTER UPDATE ON {table}
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION sync_feed_upserted('{kind}', '{id_column}');
CREATE TRIGGER sync_feed_del AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION sync_feed_deleted('{kind}', '{id_column}');
"""
    backward = f"""
DROP TRIGGER IF EXISTS sync_feed_ins ON {table};
DROP TRIGGER IF EXISTS sync_feed_upd ON {table};
DROP TRIGGER IF EXISTS sync_feed_del ON {table};
"""
    return forward, backward


STOREFRONTS = feed_triggers("storefronts_storefront", "storefronts")


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0001_terminals_feed_batches"),
        ("storefronts", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(FUNCTIONS, DROP_FUNCTIONS),
        migrations.RunSQL(*STOREFRONTS),
    ]
