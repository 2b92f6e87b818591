"""Stock movements, stock documents and count lines are append-only."""

from django.db import migrations

TABLES = ["inventory_movement", "inventory_operation", "inventory_count_line"]


def guard(table):
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION pos_refuse_change();"
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION pos_refuse_change();"
    )


def unguard(table):
    return f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}; DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"


class Migration(migrations.Migration):
    dependencies = [("inventory", "0001_initial"), ("shop", "0002_ledger_guard_and_settings_row")]

    operations = [migrations.RunSQL(guard(t), unguard(t)) for t in TABLES]
