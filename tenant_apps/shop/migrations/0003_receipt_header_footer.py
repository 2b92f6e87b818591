"""The receipt's header and footer texts on the shop settings."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_ledger_guard_and_settings_row")]

    operations = [
        migrations.AddField(
            model_name="shopsettings",
            name="receipt_header",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
        migrations.AddField(
            model_name="shopsettings",
            name="receipt_footer",
            field=models.CharField(blank=True, default="", max_length=200),
        ),
    ]
