"""The unique (sale, position) index of payments includes the method: a sales list filtered by
payment method probes each sale's payments there, without reading the payment rows."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("sales", "0004_event_indexes")]

    operations = [
        migrations.RemoveConstraint(model_name="payment", name="payment_position_unique"),
        migrations.AddConstraint(
            model_name="payment",
            constraint=models.UniqueConstraint(
                fields=("sale", "position"), include=("method",), name="payment_position_unique"
            ),
        ),
    ]
