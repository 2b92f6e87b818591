"""A batch's stored answer becomes the bytes sent (jsonb reorders keys, so a replay differed)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sync", "0006_conflict_kinds_complete")]

    operations = [
        migrations.RunSQL(
            sql="ALTER TABLE sync_batch ALTER COLUMN response TYPE bytea "
            "USING convert_to(response::text, 'UTF8')",
            reverse_sql="ALTER TABLE sync_batch ALTER COLUMN response TYPE jsonb "
            "USING convert_from(response, 'UTF8')::jsonb",
            state_operations=[
                migrations.AlterField(model_name="batch", name="response", field=models.BinaryField()),
            ],
        ),
    ]
