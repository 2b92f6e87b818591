"""SQL of the change-feed triggers, shared by the migrations that attach them to tables."""

from __future__ import annotations


def feed_triggers(table: str, kind: str, id_column: str = "id", *, deletes: bool = True) -> tuple[str, str]:
    """SQL to make ``table`` write ``kind`` changes to the feed, and to undo it. Without
    ``deletes``, deleting a row writes no tombstone (rows that only add to an object of ``kind``)."""
    forward = f"""
CREATE TRIGGER sync_feed_ins AFTER INSERT ON {table}
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION sync_feed_upserted('{kind}', '{id_column}');
CREATE TRIGGER sync_feed_upd AFTER UPDATE ON {table}
    REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION sync_feed_upserted('{kind}', '{id_column}');
"""
    if deletes:
        forward += f"""CREATE TRIGGER sync_feed_del AFTER DELETE ON {table}
    REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT
    EXECUTE FUNCTION sync_feed_deleted('{kind}', '{id_column}');
"""
    backward = f"""
DROP TRIGGER IF EXISTS sync_feed_ins ON {table};
DROP TRIGGER IF EXISTS sync_feed_upd ON {table};
DROP TRIGGER IF EXISTS sync_feed_del ON {table};
"""
    return forward, backward
