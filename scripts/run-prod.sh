#!/usr/bin/env bash
# `make run-prod`: lawreq in production mode on this machine, on real components.
#
#   gunicorn (lawreq.wsgi, gthread workers)   http://127.0.0.1:$LAWREQ_PROD_PORT
#   celery worker and celery beat             over $CELERY_BROKER_URL (Redis; amqp:// works too)
#   the audit sequencer                       one process chaining the audit trail
#   PostgreSQL as lawreq_app                  migrations as lawreq_owner; never a superuser
#
# Supervision is this script: it starts the four processes, stops them all (TERM, then KILL) when
# one of them exits or when it is interrupted, and exits with the status of the first to die.
# Production keys are made once in $LAWREQ_PROD_DIR/keys (outside the repository).
# `scripts/run-prod.sh manage ARGS...` runs one manage.py command in the same environment instead;
# LAWREQ_PROD_SERVER=runserver serves with Django's development server instead of gunicorn (the
# load benchmark's comparison: everything else the same).
# The service behaves as behind a TLS-terminating proxy: clients send `X-Forwarded-Proto: https`
# (bench/load.py does); plain http:// is redirected to https://, as production's settings say.
set -euo pipefail
cd "$(dirname "$0")/.."

PROD_DIR=${LAWREQ_PROD_DIR:-$HOME/.local/share/lawreq-prod}
DB_NAME=${LAWREQ_PROD_DB:-lawreq_prod}
PORT=${LAWREQ_PROD_PORT:-8100}
REDIS_URL=${LAWREQ_PROD_REDIS_URL:-redis://127.0.0.1:6379/1}
WEB_WORKERS=${LAWREQ_PROD_WEB_WORKERS:-3}
WEB_THREADS=${LAWREQ_PROD_WEB_THREADS:-4}
CELERY_CONCURRENCY=${LAWREQ_PROD_CELERY_CONCURRENCY:-2}
VENV=${VENV:-.venv}

bash scripts/services-up.sh
mkdir -p -m 700 "$PROD_DIR"
# Keys: made once, by the command that knows what production mode asks for.
LAWREQ_DATA_DIR="$PROD_DIR/data" "$VENV/bin/python" manage.py production_keys "$PROD_DIR/keys" -v0
set -a
# shellcheck disable=SC1091
. "$PROD_DIR/keys/production.env"
set +a

export LAWREQ_PRODUCTION=true
export LAWREQ_DATA_DIR="$PROD_DIR/data"
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
export LAWREQ_PUBLIC_URL=${LAWREQ_PUBLIC_URL:-https://127.0.0.1:$PORT}
export LAWREQ_RECORDS_CUSTODIAN=${LAWREQ_RECORDS_CUSTODIAN:-"Custodian of Records, Law Enforcement Response Team"}
export LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US=${LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US:-false}
export SECURE_PROXY_SSL_HEADER=${SECURE_PROXY_SSL_HEADER:-X-Forwarded-Proto}
export CSRF_TRUSTED_ORIGINS=${CSRF_TRUSTED_ORIGINS:-https://127.0.0.1:$PORT,https://localhost:$PORT}
export CELERY_BROKER_URL=${CELERY_BROKER_URL:-$REDIS_URL}
export REDIS_CACHE_URL=${REDIS_CACHE_URL:-$REDIS_URL}
export DB_CONN_MAX_AGE=${DB_CONN_MAX_AGE:-60}
# No mail server here: e-mails are written as files (the console backend would print addresses
# into the log).
export EMAIL_BACKEND=${EMAIL_BACKEND:-django.core.mail.backends.filebased.EmailBackend}
export EMAIL_FILE_PATH=${EMAIL_FILE_PATH:-$PROD_DIR/mail}
# The sequencer process chains the trail: writers never wait on the chain lock.
export AUDIT_SEQUENCE_AFTER_COMMIT=0
OWNER_URL="postgres://lawreq_owner@127.0.0.1:5432/$DB_NAME"
export DATABASE_URL="postgres://lawreq_app@127.0.0.1:5432/$DB_NAME"
if [ "${1:-}" = manage ]; then
  shift
  exec "$VENV/bin/python" manage.py "$@"
fi

if ! psql -h 127.0.0.1 -U postgres -Atqc "SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'" | grep -q 1; then
  createdb -h 127.0.0.1 -U postgres -O lawreq_owner "$DB_NAME"
  psql -h 127.0.0.1 -U postgres -q -c "ALTER SCHEMA public OWNER TO lawreq_owner" "$DB_NAME"
fi
DATABASE_URL="$OWNER_URL" "$VENV/bin/python" manage.py migrate --noinput -v0
# The application role and its grants (CREATEROLE: the postgres role, for this one command).
DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB_NAME" "$VENV/bin/python" manage.py audit_db_roles --role lawreq_app >/dev/null
"$VENV/bin/python" manage.py collectstatic --noinput -v0
# The refusals of production mode, the database role included: nothing starts if one fails.
"$VENV/bin/python" manage.py check --deploy --database default --fail-level WARNING

pids=()
stop_all() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 20); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}
trap 'stop_all; exit 130' INT TERM
trap stop_all EXIT

if [ "${LAWREQ_PROD_SERVER:-gunicorn}" = runserver ]; then
  "$VENV/bin/python" manage.py runserver --noreload "127.0.0.1:$PORT" &
else
  "$VENV/bin/gunicorn" lawreq.wsgi:application --bind "127.0.0.1:$PORT" \
    --workers "$WEB_WORKERS" --threads "$WEB_THREADS" --worker-class gthread \
    --timeout 120 --graceful-timeout 30 --max-requests 5000 --max-requests-jitter 500 --no-control-socket \
    --access-logfile - --access-logformat '{"access":"%(m)s %(U)s %(s)s","ms":%(M)s,"request_id":"%({x-request-id}o)s"}' &
fi
pids+=($!)
"$VENV/bin/celery" -A lawreq worker -l INFO --concurrency "$CELERY_CONCURRENCY" --hostname "lawreq-worker@%h" &
pids+=($!)
"$VENV/bin/celery" -A lawreq beat -l INFO --schedule "$PROD_DIR/celerybeat-schedule" &
pids+=($!)
"$VENV/bin/python" manage.py audit_sequencer &
pids+=($!)

echo "lawreq (production mode) on http://127.0.0.1:$PORT  (health: /healthz, /readyz; Ctrl-C stops all)" >&2
set +e
wait -n "${pids[@]}"
status=$?
echo "a process exited ($status): stopping the others" >&2
exit "$status"
