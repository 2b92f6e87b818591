#!/usr/bin/env bash
# First start of the PostgreSQL container (docker-entrypoint-initdb.d): the platform's roles, with
# their passwords from the environment and their limits from roles.sql.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" <<SQL
SET pos.migrate_password = '${POS_DB_MIGRATE_PASSWORD:?}';
SET pos.app_password = '${POS_DB_APP_PASSWORD:?}';
SET pos.worker_password = '${POS_DB_WORKER_PASSWORD:?}';
\i /etc/pos/roles.sql
SQL
