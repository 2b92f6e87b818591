"""Feed the POS catalog to terminals: shop settings, tax categories and rates, products, prices
and payment methods (the storefronts are fed since 0002, the cashiers by the accounts app)."""

from django.db import migrations

from sync.feed_sql import feed_triggers

TABLES = [
    ("shop_settings", "settings"),
    ("taxes_category", "tax_categories"),
    ("taxes_rate", "tax_rates"),
    ("catalog_product", "products"),
    ("catalog_price", "prices"),
    ("sales_payment_method", "payment_methods"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("sync", "0002_change_feed_triggers"),
        ("shop", "0002_ledger_guard_and_settings_row"),
        ("taxes", "0001_initial"),
        ("catalog", "0001_initial"),
        ("sales", "0002_append_only_and_payment_methods"),
    ]

    operations = [migrations.RunSQL(*feed_triggers(table, kind)) for table, kind in TABLES]
