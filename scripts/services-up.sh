#!/usr/bin/env bash
# The local PostgreSQL and Redis, started when they are not running, and the owner role of the
# schema (docs/audit.md), created when missing. Used by .ci/run and by `make run-prod`.
set -euo pipefail

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi

# lawreq_owner owns the schema and runs migrations; lawreq_app, which owns nothing, is what the
# application connects as (`manage.py audit_db_roles` creates it and its grants).
psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -q <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lawreq_owner') THEN CREATE ROLE lawreq_owner LOGIN; END IF;
END $$;
SQL
