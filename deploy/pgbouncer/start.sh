#!/usr/bin/env bash
# The app's credentials for PgBouncer's users file, from the environment (never in the image).
set -euo pipefail
: "${POS_DB_APP_PASSWORD:?set POS_DB_APP_PASSWORD}" "${POS_DB_WORKER_PASSWORD:?set POS_DB_WORKER_PASSWORD}"
umask 077
printf '"pos_app" "%s"\n"pos_worker" "%s"\n' "$POS_DB_APP_PASSWORD" "$POS_DB_WORKER_PASSWORD" \
    > /tmp/pgbouncer-users.txt
exec pgbouncer /etc/pgbouncer/pgbouncer.ini
