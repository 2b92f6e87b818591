"""The trigger function that makes ledger tables append-only, and the settings row."""

import uuid

from django.db import migrations

REFUSE_CHANGE = """
CREATE OR REPLACE FUNCTION pos_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
"""


def settings_row(apps, schema_editor):
    ShopSettings = apps.get_model("shop", "ShopSettings")
    if not ShopSettings.objects.exists():
        ShopSettings.objects.create(id=uuid.uuid4())


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]

    operations = [
        migrations.RunSQL(REFUSE_CHANGE, "DROP FUNCTION IF EXISTS pos_refuse_change()"),
        migrations.RunPython(settings_row, migrations.RunPython.noop),
    ]
