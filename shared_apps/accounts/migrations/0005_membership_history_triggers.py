"""Triggers that keep the membership history and feed terminals the shop's cashiers.

On every insert, update or delete of a membership, and on every change of a user's active flag,
name or email, a trigger appends the membership's state to ``accounts_membershiphistory`` and
writes a ``cashiers`` change into the tenant's sync feed (``<schema>.sync_change``), taking the
same per-tenant lock as the feed's own triggers (see sync/migrations/0002). Existing memberships
get their current state as history from their creation time.
"""

from django.db import migrations

SQL = r"""
CREATE FUNCTION public.accounts_membership_record(m public.accounts_membership, deleted boolean,
                                                 at timestamptz) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    schema_name text;
    user_active boolean;
BEGIN
    SELECT u.is_active INTO user_active FROM public.accounts_user u WHERE u.id = m.user_id;
    INSERT INTO public.accounts_membershiphistory
        (membership_id, tenant_id, user_id, role, storefront_id, expires_at, is_active, valid_from)
    VALUES (m.id, m.tenant_id, m.user_id, m.role, m.storefront_id, m.expires_at,
            NOT deleted AND m.is_active AND COALESCE(user_active, false), at);
    SELECT t.schema_name INTO schema_name FROM public.tenants_tenant t WHERE t.id = m.tenant_id;
    IF schema_name IS NOT NULL AND to_regclass(format('%I.sync_change', schema_name)) IS NOT NULL THEN
        PERFORM pg_advisory_xact_lock(1936289382, hashtext(schema_name || '.sync_change'));
        EXECUTE format('INSERT INTO %I.sync_change (kind, object_id, deleted, changed_at) '
                       'VALUES (''cashiers'', $1, $2, now())', schema_name)
            USING m.user_id, deleted;
    END IF;
END $$;

CREATE FUNCTION public.accounts_membership_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM public.accounts_membership_record(OLD, true, clock_timestamp());
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM public.accounts_membership_record(NEW, false, LEAST(NEW.created_at, clock_timestamp()));
    ELSE
        PERFORM public.accounts_membership_record(NEW, false, clock_timestamp());
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION public.accounts_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    m public.accounts_membership;
BEGIN
    FOR m IN SELECT * FROM public.accounts_membership WHERE user_id = NEW.id ORDER BY id LOOP
        PERFORM public.accounts_membership_record(m, false, clock_timestamp());
    END LOOP;
    RETURN NULL;
END $$;

CREATE TRIGGER accounts_membership_history AFTER INSERT OR UPDATE OR DELETE
    ON public.accounts_membership FOR EACH ROW EXECUTE FUNCTION public.accounts_membership_changed();

CREATE TRIGGER accounts_user_history AFTER UPDATE OF is_active, full_name, email
    ON public.accounts_user FOR EACH ROW
    WHEN (OLD.is_active IS DISTINCT FROM NEW.is_active OR OLD.full_name IS DISTINCT FROM NEW.full_name
          OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION public.accounts_user_changed();

INSERT INTO public.accounts_membershiphistory
    (membership_id, tenant_id, user_id, role, storefront_id, expires_at, is_active, valid_from)
SELECT m.id, m.tenant_id, m.user_id, m.role, m.storefront_id, m.expires_at,
       m.is_active AND u.is_active, m.created_at
FROM public.accounts_membership m JOIN public.accounts_user u ON u.id = m.user_id;
"""

REVERSE = """
DROP TRIGGER IF EXISTS accounts_user_history ON public.accounts_user;
DROP TRIGGER IF EXISTS accounts_membership_history ON public.accounts_membership;
DROP FUNCTION IF EXISTS public.accounts_user_changed();
DROP FUNCTION IF EXISTS public.accounts_membership_changed();
DROP FUNCTION IF EXISTS public.accounts_membership_record(public.accounts_membership, boolean, timestamptz);
DELETE FROM public.accounts_membershiphistory;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_membership_history"),
        ("tenants", "0001_initial"),
    ]

    operations = [migrations.RunSQL(SQL, REVERSE)]
