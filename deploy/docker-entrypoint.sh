#!/usr/bin/env bash
# The image's entry point: the first argument names the process.
#   web       gunicorn (deploy/gunicorn.conf.py) on 0.0.0.0:8000, metrics on $POS_METRICS_PORT
#   worker    a Celery worker, metrics on $POS_METRICS_PORT
#   beat      Celery beat (run exactly one), platform metrics on $POS_METRICS_PORT
#   migrate   `tenant migrate` for a release: public schema, lagging tenants, snapshot and pool
#   manage    any manage.py command, e.g. `manage tenant list`
set -euo pipefail
cd /app
case "${1:-web}" in
    web)
        shift || true
        exec gunicorn pos_platform.wsgi:application --config deploy/gunicorn.conf.py \
            --bind "${POS_BIND:-0.0.0.0:8000}" "$@"
        ;;
    worker)
        shift
        exec celery -A pos_platform worker --loglevel "${LOG_LEVEL:-INFO}" \
            --concurrency "${CELERY_CONCURRENCY:-2}" "$@"
        ;;
    beat)
        shift
        exec celery -A pos_platform beat --loglevel "${LOG_LEVEL:-INFO}" \
            --schedule "${POS_DATA_DIR:-/var/lib/pos}/celerybeat-schedule" "$@"
        ;;
    migrate)
        shift
        exec python manage.py tenant migrate --parallel "${POS_MIGRATE_PARALLEL:-2}" "$@"
        ;;
    manage)
        shift
        exec python manage.py "$@"
        ;;
    *)
        exec "$@"
        ;;
esac
