-- The platform's database roles and their limits (docs/operations.md, "Database roles").
--
-- pos_owner   owns every object (NOLOGIN). The three login roles below act as it (their
--             `role` setting), so that whatever creates a table or a tenant's schema, the owner
--             is the same and migrations can alter it.
-- pos_migrate releases: `tenant migrate`, the `tenant` CLI, backups. No statement timeout (a
--             migration may take long); waits at most 10 s for a lock, so that a migration
--             stuck behind traffic fails and is retried instead of queueing every request.
-- pos_app     the web tier, through PgBouncer: a statement runs at most 15 s, a transaction
--             left idle is ended after 30 s (it would hold a server connection of the pool).
-- pos_worker  Celery worker and beat, through PgBouncer: nightly billing and schema pool
--             builds run longer (5 min).
--
-- Run as a superuser with the passwords set first:
--   SET pos.migrate_password = '…'; SET pos.app_password = '…'; SET pos.worker_password = '…';
DO $roles$
DECLARE
    login record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pos_owner') THEN
        CREATE ROLE pos_owner NOLOGIN;
    END IF;
    FOR login IN
        SELECT * FROM (VALUES
            ('pos_migrate', current_setting('pos.migrate_password'), '0', '10s', '0'),
            ('pos_app', current_setting('pos.app_password'), '15s', '5s', '30s'),
            ('pos_worker', current_setting('pos.worker_password'), '5min', '30s', '5min')
        ) AS r(name, password, statement_timeout, lock_timeout, idle_timeout)
    LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = login.name) THEN
            EXECUTE format('CREATE ROLE %I LOGIN', login.name);
        END IF;
        EXECUTE format('ALTER ROLE %I WITH LOGIN PASSWORD %L', login.name, login.password);
        EXECUTE format('GRANT pos_owner TO %I', login.name);
        EXECUTE format('ALTER ROLE %I SET role = %L', login.name, 'pos_owner');
        EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', login.name, login.statement_timeout);
        EXECUTE format('ALTER ROLE %I SET lock_timeout = %L', login.name, login.lock_timeout);
        EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L',
                       login.name, login.idle_timeout);
        -- The public schema first: a server connection PgBouncer hands over starts there.
        EXECUTE format('ALTER ROLE %I SET search_path = public', login.name);
    END LOOP;
    EXECUTE format('ALTER DATABASE %I OWNER TO pos_owner', current_database());
    EXECUTE format('GRANT ALL ON DATABASE %I TO pos_owner', current_database());
    ALTER SCHEMA public OWNER TO pos_owner;
END
$roles$;
