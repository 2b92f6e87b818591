"""Cash movements are append-only."""

from django.db import migrations

T = "shifts_cash_movement"


class Migration(migrations.Migration):
    dependencies = [("shifts", "0001_initial"), ("shop", "0002_ledger_guard_and_settings_row")]

    operations = [
        migrations.RunSQL(
            f"CREATE TRIGGER {T}_append_only BEFORE UPDATE OR DELETE ON {T} "
            f"FOR EACH ROW EXECUTE FUNCTION pos_refuse_change();",
            f"DROP TRIGGER IF EXISTS {T}_append_only ON {T};",
        )
    ]
