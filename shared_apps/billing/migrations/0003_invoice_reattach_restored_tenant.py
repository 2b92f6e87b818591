"""An invoice detached from a deleted shop may be reattached to that shop once it is restored
from its export under the same slug (``tenant import``); it still never moves to another shop.
"""

from django.db import migrations

FORWARD = r"""
CREATE OR REPLACE FUNCTION billing_invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'invoice % is issued: it cannot be deleted', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.id, NEW.number, NEW.reference, NEW.tenant_slug, NEW.currency, NEW.period_start,
        NEW.period_end, NEW.issued_on, NEW.due_on, NEW.storefront_count, NEW.base_amount,
        NEW.tax_amount, NEW.charge_amount, NEW.total, NEW.snapshot, NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.number, OLD.reference, OLD.tenant_slug, OLD.currency, OLD.period_start,
        OLD.period_end, OLD.issued_on, OLD.due_on, OLD.storefront_count, OLD.base_amount,
        OLD.tax_amount, OLD.charge_amount, OLD.total, OLD.snapshot, OLD.created_at) THEN
        RAISE EXCEPTION 'invoice % is issued: its amounts and snapshot cannot change', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id AND NEW.tenant_id IS NOT NULL
        -- A detached invoice goes back to its own shop restored under the same slug.
        AND NOT (OLD.tenant_id IS NULL AND EXISTS (
            SELECT 1 FROM tenants_tenant t WHERE t.id = NEW.tenant_id AND t.slug = NEW.tenant_slug)))
       OR (NEW.tier_id IS DISTINCT FROM OLD.tier_id AND NEW.tier_id IS NOT NULL) THEN
        RAISE EXCEPTION 'invoice % cannot move to another tenant or tier', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'paid' AND (NEW.status, NEW.paid_at) IS DISTINCT FROM (OLD.status, OLD.paid_at) THEN
        RAISE EXCEPTION 'invoice % is paid: its payment cannot change', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
"""

BACKWARD = r"""
CREATE OR REPLACE FUNCTION billing_invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'invoice % is issued: it cannot be deleted', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.id, NEW.number, NEW.reference, NEW.tenant_slug, NEW.currency, NEW.period_start,
        NEW.period_end, NEW.issued_on, NEW.due_on, NEW.storefront_count, NEW.base_amount,
        NEW.tax_amount, NEW.charge_amount, NEW.total, NEW.snapshot, NEW.created_at)
       IS DISTINCT FROM
       (OLD.id, OLD.number, OLD.reference, OLD.tenant_slug, OLD.currency, OLD.period_start,
        OLD.period_end, OLD.issued_on, OLD.due_on, OLD.storefront_count, OLD.base_amount,
        OLD.tax_amount, OLD.charge_amount, OLD.total, OLD.snapshot, OLD.created_at) THEN
        RAISE EXCEPTION 'invoice % is issued: its amounts and snapshot cannot change', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW.tenant_id IS DISTINCT FROM OLD.tenant_id AND NEW.tenant_id IS NOT NULL)
       OR (NEW.tier_id IS DISTINCT FROM OLD.tier_id AND NEW.tier_id IS NOT NULL) THEN
        RAISE EXCEPTION 'invoice % cannot move to another tenant or tier', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status = 'paid' AND (NEW.status, NEW.paid_at) IS DISTINCT FROM (OLD.status, OLD.paid_at) THEN
        RAISE EXCEPTION 'invoice % is paid: its payment cannot change', OLD.number
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0002_invoice_immutability_and_tier_coverage"),
        ("tenants", "0002_schema_pool"),
    ]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
