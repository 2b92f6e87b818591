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

from sync.feed_sql import feed_triggers

FUNCTIONS = """
CREATE FUNCTION sync_feed_upserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1936289382, hashtext(TG_TABLE_SCHEMA || '.sync_change'));
    EXECUTE format(
        'INSERT INTO %I.sync_change (kind, object_id, deleted, changed_at) '
        'SELECT $1, (to_jsonb(r) ->> %L)::uuid, false, now() FROM changed_rows r',
        TG_TABLE_SCHEMA, TG_ARGV[1]) USING TG_ARGV[0];
    RETURN NULL;
END $$;

CREATE FUNCTION sync_feed_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1936289382, hashtext(TG_TABLE_SCHEMA || '.sync_change'));
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
"""


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
