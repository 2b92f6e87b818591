"""Cashiers' PIN verifiers (sync_cashier_pin), fed to terminals with the cashiers: a PIN set or
reset writes a ``cashiers`` change of its person."""

from django.db import migrations, models

from sync.feed_sql import feed_triggers


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0007_batch_response_bytes"),
    ]

    operations = [
        migrations.CreateModel(
            name="CashierPin",
            fields=[
                ("user_id", models.UUIDField(primary_key=True, serialize=False)),
                ("salt", models.CharField(blank=True, default="", max_length=44)),
                ("iterations", models.PositiveIntegerField(default=0)),
                ("verifier", models.CharField(blank=True, default="", max_length=44)),
                ("set_at", models.DateTimeField()),
                ("set_by", models.UUIDField(blank=True, null=True)),
            ],
            options={"db_table": "sync_cashier_pin"},
        ),
        migrations.RunSQL(*feed_triggers("sync_cashier_pin", "cashiers", "user_id", deletes=False)),
    ]
