from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tenants", "0003_tenant_country"),
    ]

    operations = [
        migrations.AddField(
            model_name="tenant",
            name="migration_fingerprint",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
    ]
