"""The change-feed functions read the statement's rows into an array before they write the feed.

Same rows, same order of ids, one INSERT per statement as before. The transition table is now
read by the function itself rather than by the INSERT: on a Citus cluster (docs/operations.md) a
shop's tables are shards on a worker, where the INSERT into the feed is planned by Citus and
cannot see a transition table, while an INSERT of an array's elements can be planned anywhere.
"""

from django.db import migrations

FUNCTIONS = """
CREATE OR REPLACE FUNCTION sync_feed_upserted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
BEGIN
    EXECUTE format('SELECT array_agg((to_jsonb(r) ->> %L)::uuid) FROM changed_rows r', TG_ARGV[1]) INTO ids;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(1936289382, hashtext(TG_TABLE_SCHEMA || '.sync_change'));
    EXECUTE format(
        'INSERT INTO %I.sync_change (kind, object_id, deleted, changed_at) '
        'SELECT $1, id, false, now() FROM unnest($2::uuid[]) AS id',
        TG_TABLE_SCHEMA) USING TG_ARGV[0], ids;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sync_feed_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
BEGIN
    EXECUTE format('SELECT array_agg((to_jsonb(r) ->> %L)::uuid) FROM changed_rows r', TG_ARGV[1]) INTO ids;
    IF ids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM pg_advisory_xact_lock(1936289382, hashtext(TG_TABLE_SCHEMA || '.sync_change'));
    EXECUTE format(
        'INSERT INTO %I.sync_change (kind, object_id, deleted, changed_at) '
        'SELECT $1, id, true, now() FROM unnest($2::uuid[]) AS id',
        TG_TABLE_SCHEMA) USING TG_ARGV[0], ids;
    RETURN NULL;
END $$;
"""

PREVIOUS = """
CREATE OR REPLACE FUNCTION sync_feed_upserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1936289382, hashtext(TG_TABLE_SCHEMA || '.sync_change'));
    EXECUTE format(
        'INSERT INTO %I.sync_change (kind, object_id, deleted, changed_at) '
        'SELECT $1, (to_jsonb(r) ->> %L)::uuid, false, now() FROM changed_rows r',
        TG_TABLE_SCHEMA, TG_ARGV[1]) USING TG_ARGV[0];
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION sync_feed_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1936289382, hashtext(TG_TABLE_SCHEMA || '.sync_change'));
    EXECUTE format(
        'INSERT INTO %I.sync_change (kind, object_id, deleted, changed_at) '
        'SELECT $1, (to_jsonb(r) ->> %L)::uuid, true, now() FROM changed_rows r',
        TG_TABLE_SCHEMA, TG_ARGV[1]) USING TG_ARGV[0];
    RETURN NULL;
END $$;
"""


class Migration(migrations.Migration):
    dependencies = [("sync", "0008_cashier_pins")]

    operations = [migrations.RunSQL(FUNCTIONS, PREVIOUS)]
