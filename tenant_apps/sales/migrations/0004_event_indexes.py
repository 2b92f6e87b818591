"""Restore the one-created and one-void unique indexes of sale events.

``0003_lean_indexes`` turned ``SaleEvent.sale``'s own index off; Django's ``AlterField`` then drops
every single-column index of that column that is not a ``Meta.indexes`` entry, which took the
partial unique indexes of the ``sale_event_one_created`` and ``sale_event_one_void`` constraints
with it (the migration state still lists them). Without them nothing in the database stopped a
second void of a sale, and every "not voided" test of the reports read all events. Recreated under
their constraint names, so the state and the schema agree again; ``IF NOT EXISTS`` leaves a schema
that kept them alone.

And a partial index of refund events by time, with their sale and amount: the reports' refund
sums and a sales list's refunded total read the (few) refunds alone. The two indexes of sales by
time become covering ones (the sale's id, money and cashier included), so that a period's sums
are read from the index rather than from every sale's row.
"""

from django.db import migrations, models

SUMMED = ["id", "total", "tax_total", "net_total", "cashier_id"]
INDEXES = {
    "sale_event_one_created": "created",
    "sale_event_one_void": "voided",
}


class Migration(migrations.Migration):
    dependencies = [("sales", "0003_lean_indexes")]

    operations = [
        migrations.RunSQL(
            f"CREATE UNIQUE INDEX IF NOT EXISTS {name} ON sales_event (sale_id) WHERE kind = '{kind}'",
            # Reversing leaves them: 0003's state has them too.
            migrations.RunSQL.noop,
        )
        for name, kind in INDEXES.items()
    ] + [
        migrations.AddIndex(
            model_name="sale",
            index=models.Index(fields=["occurred_at"], include=SUMMED, name="sale_occurred_cover"),
        ),
        migrations.AddIndex(
            model_name="sale",
            index=models.Index(
                fields=["storefront", "occurred_at"], include=SUMMED, name="sale_storefront_occurred_cover"
            ),
        ),
        migrations.RemoveIndex(model_name="sale", name="sale_occurred"),
        migrations.RemoveIndex(model_name="sale", name="sale_storefront_occurred"),
        migrations.AddIndex(
            model_name="saleevent",
            index=models.Index(
                condition=models.Q(("kind", "refunded")),
                fields=["occurred_at"],
                include=("sale", "amount"),
                name="sale_event_refunded",
            ),
        ),
    ]
