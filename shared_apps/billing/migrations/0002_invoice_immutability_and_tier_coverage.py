"""Rules the database keeps whatever code writes to it.

* An issued invoice never changes: only open -> paid (once, with its time) and the detaching of a
  deleted tenant or tier are allowed; any other UPDATE and any DELETE is refused.
* Payment events are inserted once and never changed.
* Active pricing tiers of a currency cover 1, 2, 3, ... without a gap (overlaps are refused by the
  exclusion constraint of 0001). Checked at commit, so that a tier can be retired and its
  successor added in one transaction.
* Invoice numbers come from a sequence.
"""

from django.db import migrations

FORWARD = r"""
CREATE SEQUENCE billing_invoice_number_seq;

CREATE FUNCTION billing_invoice_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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

CREATE TRIGGER billing_invoice_guard
    BEFORE UPDATE OR DELETE ON billing_invoice
    FOR EACH ROW EXECUTE FUNCTION billing_invoice_guard();

CREATE FUNCTION billing_payment_event_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'payment event %:% is recorded: it cannot change', OLD.provider, OLD.provider_event_id
        USING ERRCODE = 'restrict_violation';
END
$$;

CREATE TRIGGER billing_payment_event_guard
    BEFORE UPDATE OR DELETE ON billing_paymentevent
    FOR EACH ROW EXECUTE FUNCTION billing_payment_event_guard();

CREATE FUNCTION billing_tiers_contiguous() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    problem text;
BEGIN
    -- OLD is NULL on INSERT and NEW on DELETE: either side's currency is checked.
    SELECT format('%s %s-%s', t.currency, t.min_storefronts, coalesce(t.max_storefronts::text, ''))
      INTO problem
      FROM (
        SELECT currency, min_storefronts, max_storefronts,
               row_number() OVER w AS rn,
               lag(max_storefronts) OVER w AS prev_max
          FROM billing_pricingtier
         WHERE is_active AND currency IN (NEW.currency, OLD.currency)
        WINDOW w AS (PARTITION BY currency ORDER BY min_storefronts)
      ) t
     WHERE (t.rn = 1 AND t.min_storefronts <> 1)
        OR (t.rn > 1 AND (t.prev_max IS NULL OR t.min_storefronts <> t.prev_max + 1))
     LIMIT 1;
    IF problem IS NOT NULL THEN
        RAISE EXCEPTION 'active pricing tiers must cover 1, 2, 3, ... storefronts without a gap (at tier %)', problem
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;

CREATE CONSTRAINT TRIGGER billing_tiers_contiguous
    AFTER INSERT OR UPDATE OR DELETE ON billing_pricingtier
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION billing_tiers_contiguous();
"""

BACKWARD = r"""
DROP TRIGGER IF EXISTS billing_tiers_contiguous ON billing_pricingtier;
DROP FUNCTION IF EXISTS billing_tiers_contiguous();
DROP TRIGGER IF EXISTS billing_payment_event_guard ON billing_paymentevent;
DROP FUNCTION IF EXISTS billing_payment_event_guard();
DROP TRIGGER IF EXISTS billing_invoice_guard ON billing_invoice;
DROP FUNCTION IF EXISTS billing_invoice_guard();
DROP SEQUENCE IF EXISTS billing_invoice_number_seq;
"""


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
