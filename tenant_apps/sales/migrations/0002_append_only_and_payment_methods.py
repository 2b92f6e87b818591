"""Sales, lines, payments, events and refund lines are append-only; default payment methods."""

import uuid

from django.db import migrations

TABLES = ["sales_sale", "sales_line", "sales_payment", "sales_event", "sales_refund_line"]


def guard(table):
    return (
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION pos_refuse_change();"
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION pos_refuse_change();"
    )


def unguard(table):
    return f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}; DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};"


DEFAULT_METHODS = [
    ("cash", "Cash", "cash", 0),
    ("mobile_money", "Mobile money", "mobile_money", 1),
    ("card", "Card", "card", 2),
]


def payment_methods(apps, schema_editor):
    PaymentMethod = apps.get_model("sales", "PaymentMethod")
    for code, name, kind, position in DEFAULT_METHODS:
        PaymentMethod.objects.get_or_create(
            code=code, defaults={"id": uuid.uuid4(), "name": name, "kind": kind, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial"), ("shop", "0002_ledger_guard_and_settings_row")]

    operations = [
        *[migrations.RunSQL(guard(t), unguard(t)) for t in TABLES],
        migrations.RunPython(payment_methods, migrations.RunPython.noop),
    ]
