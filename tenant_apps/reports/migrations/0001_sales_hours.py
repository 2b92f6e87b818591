"""Per-hour sales figures (``reports_sales_hour``), kept by triggers on sales and sale events,
and filled from the sales already recorded."""

from django.db import migrations, models

FIGURES = ["sales_count", "net", "tax", "total", "refund_count", "refunded"]
COLUMNS = "storefront_id, hour, sales_count, net, tax, total, refund_count, refunded"

# The deltas of a set of sales (``added``) and of a set of events (``added``): sales count in the
# hour they occurred; a void takes its sale back out of that hour; a refund counts in the hour it
# was given.
SALES_DELTAS = """
    SELECT storefront_id, date_trunc('hour', occurred_at, 'UTC'), COUNT(*), SUM(net_total),
           SUM(tax_total), SUM(total), 0, 0
    FROM {sales} GROUP BY 1, 2"""
EVENT_DELTAS = """
    SELECT s.storefront_id, date_trunc('hour', s.occurred_at, 'UTC'), -COUNT(*), -SUM(s.net_total),
           -SUM(s.tax_total), -SUM(s.total), 0, 0
    FROM {events} e JOIN {schema}sales_sale s ON s.id = e.sale_id WHERE e.kind = 'voided' GROUP BY 1, 2
    UNION ALL
    SELECT s.storefront_id, date_trunc('hour', e.occurred_at, 'UTC'), 0, 0, 0, 0, COUNT(*), SUM(e.amount)
    FROM {events} e JOIN {schema}sales_sale s ON s.id = e.sale_id WHERE e.kind = 'refunded' GROUP BY 1, 2"""

# Static SQL (its plan cached per connection, re-planned when the search path changes): the
# triggers fire in the tenant's schema, which the writer's search path names first.
TRIGGERS = f"""
CREATE OR REPLACE FUNCTION reports_sales_hour_of_sales() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO reports_sales_hour ({COLUMNS}) {SALES_DELTAS.format(sales="added")};
    RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION reports_sales_hour_of_events() RETURNS trigger LANGUAGE plpgsql AS $fn$
BEGIN
    INSERT INTO reports_sales_hour ({COLUMNS}) {EVENT_DELTAS.format(events="added", schema="")};
    RETURN NULL;
END
$fn$;
CREATE TRIGGER sales_sale_hours AFTER INSERT ON sales_sale REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION reports_sales_hour_of_sales();
CREATE TRIGGER sales_event_hours AFTER INSERT ON sales_event REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION reports_sales_hour_of_events();
"""

UNTRIGGERS = """
DROP TRIGGER IF EXISTS sales_sale_hours ON sales_sale;
DROP TRIGGER IF EXISTS sales_event_hours ON sales_event;
DROP FUNCTION IF EXISTS reports_sales_hour_of_sales();
DROP FUNCTION IF EXISTS reports_sales_hour_of_events();
"""

FILL = f"""
INSERT INTO reports_sales_hour ({COLUMNS})
SELECT storefront_id, hour, SUM(c), SUM(n), SUM(t), SUM(a), SUM(rc), SUM(r)
FROM ({SALES_DELTAS.format(sales="sales_sale")}
      UNION ALL {EVENT_DELTAS.format(events="sales_event", schema="")}) AS d (storefront_id, hour, c, n, t, a, rc, r)
GROUP BY storefront_id, hour
"""  # noqa: S608 - fixed text


class Migration(migrations.Migration):
    initial = True

    dependencies = [("sales", "0004_event_indexes")]

    operations = [
        migrations.CreateModel(
            name="SalesHour",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("storefront_id", models.UUIDField()),
                ("hour", models.DateTimeField()),
                ("sales_count", models.IntegerField()),
                ("net", models.DecimalField(decimal_places=2, max_digits=14)),
                ("tax", models.DecimalField(decimal_places=2, max_digits=14)),
                ("total", models.DecimalField(decimal_places=2, max_digits=14)),
                ("refund_count", models.IntegerField()),
                ("refunded", models.DecimalField(decimal_places=2, max_digits=14)),
            ],
            options={
                "db_table": "reports_sales_hour",
                "indexes": [
                    models.Index(fields=["hour", "storefront_id"], include=FIGURES, name="sales_hour_cover")
                ],
            },
        ),
        migrations.RunSQL(TRIGGERS, UNTRIGGERS),
        migrations.RunSQL(FILL, migrations.RunSQL.noop),
    ]
