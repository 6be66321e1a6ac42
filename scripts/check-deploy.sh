#!/usr/bin/env bash
# `manage.py check --deploy --fail-level WARNING` in production mode, with production keys made for
# the occasion in a temporary folder. The database role is checked where the database is reached:
# at the start of `make run-prod` and of the deployment units (`check --database default`).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
folder=$(mktemp -d)
trap 'rm -rf "$folder"' EXIT
LAWREQ_DATA_DIR="$folder/data" "$VENV/bin/python" manage.py production_keys "$folder/keys" -v0 >/dev/null
(
  set -a
  . "$folder/keys/production.env"
  LAWREQ_PRODUCTION=true LAWREQ_DATA_DIR="$folder/data" ALLOWED_HOSTS=lawreq.example LAWREQ_PUBLIC_URL=https://lawreq.example \
    LAWREQ_RECORDS_CUSTODIAN="Custodian of Records" LAWREQ_RECORDS_CUSTODIAN_EXECUTED_IN_US=false \
    DATABASE_URL=postgres://lawreq_app@127.0.0.1:5432/lawreq \
    "$VENV/bin/python" manage.py check --deploy --fail-level WARNING
)
