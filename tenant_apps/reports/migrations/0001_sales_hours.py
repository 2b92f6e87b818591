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

# The triggers read their statement's transition table (``added``) once, into arrays, and write the
# deltas with one INSERT of the arrays' elements into the table of the schema that fired them
# (TG_TABLE_SCHEMA, whatever the search path). On a Citus cluster (docs/operations.md) they run on
# the shop's worker, where the INSERT is planned by Citus and cannot read a transition table,
# while an INSERT of unnest() of arrays can be planned anywhere. Same figures on one node.
UNNESTED_EVENTS = "(SELECT * FROM unnest($1, $2, $3, $4) AS u (sale_id, kind, amount, occurred_at))"
TRIGGERS = f"""
CREATE OR REPLACE FUNCTION reports_sales_hour_of_sales() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    fronts uuid[];
    hours timestamptz[];
    counts bigint[];
    nets numeric[];
    taxes numeric[];
    totals numeric[];
BEGIN
    SELECT array_agg(d.storefront_id), array_agg(d.hour), array_agg(d.c), array_agg(d.n),
           array_agg(d.t), array_agg(d.a)
    INTO fronts, hours, counts, nets, taxes, totals
    FROM ({SALES_DELTAS.format(sales="added")}) AS d (storefront_id, hour, c, n, t, a, rc, r);
    IF fronts IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format($q$INSERT INTO %I.reports_sales_hour ({COLUMNS})
        SELECT f, h, c, n, t, a, 0, 0 FROM unnest($1, $2, $3, $4, $5, $6) AS u (f, h, c, n, t, a)$q$,
        TG_TABLE_SCHEMA) USING fronts, hours, counts, nets, taxes, totals;
    RETURN NULL;
END
$fn$;
CREATE OR REPLACE FUNCTION reports_sales_hour_of_events() RETURNS trigger LANGUAGE plpgsql AS $fn$
DECLARE
    sale_ids uuid[];
    kinds text[];
    amounts numeric[];
    occurred timestamptz[];
BEGIN
    SELECT array_agg(sale_id), array_agg(kind), array_agg(amount), array_agg(occurred_at)
    INTO sale_ids, kinds, amounts, occurred
    FROM added WHERE kind IN ('voided', 'refunded');
    IF sale_ids IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE format($q$INSERT INTO %1$I.reports_sales_hour ({COLUMNS})
        {EVENT_DELTAS.format(events=UNNESTED_EVENTS, schema="%1$I.").strip()}$q$,
        TG_TABLE_SCHEMA) USING sale_ids, kinds, amounts, occurred;
    RETURN NULL;
END
$fn$;
CREATE TRIGGER sales_sale_hours AFTER INSERT ON sales_sale REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION reports_sales_hour_of_sales();
CREATE TRIGGER sales_event_hours AFTER INSERT ON sales_event REFERENCING NEW TABLE AS added
    FOR EACH STATEMENT EXECUTE FUNCTION reports_sales_hour_of_events();
"""  # noqa: S608 - fixed text

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
