#!/usr/bin/env bash
# Scans for CI and `make scan`: bandit (no HIGH finding; reviewed ones listed in bandit.yaml) and
# pip-audit over the locked tree (requirements-dev.lock, which holds requirements.lock): no known
# vulnerability unless explained in .pip-audit-ignore. pip-audit needs PyPI's advisory data: when it
# cannot be reached the scan says so and skips that step instead of failing.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

"$VENV/bin/bandit" -q -c bandit.yaml -r . --severity-level high

ignores=()
if [ -f .pip-audit-ignore ]; then
  while read -r id _; do
    [ -n "$id" ] && [ "${id#\#}" = "$id" ] && ignores+=(--ignore-vuln "$id")
  done < .pip-audit-ignore
fi
set +e
output=$("$VENV/bin/pip-audit" --progress-spinner off --disable-pip --no-deps \
  -r requirements-dev.lock "${ignores[@]}" 2>&1)
status=$?
set -e
unreachable="pip-audit: PyPI's advisory data cannot be reached from here: SKIPPED, not passed."
if [ "$status" -ne 0 ] && grep -qiE "ConnectionError|Max retries|Name or service not known|Temporary failure|timed out|Connection refused" <<<"$output"; then
  echo "$unreachable" >&2
  exit 0
fi
# A package PyPI's JSON API does not know is skipped, not audited: where none could be audited (a
# mirror without that API), nothing was checked, which is no pass.
locked=$(grep -cE '^[A-Za-z0-9_.-]+==' requirements-dev.lock)
unaudited=$(grep -c "could not be audited" <<<"$output" || true)
if [ "$unaudited" -ge "$locked" ]; then
  echo "$unreachable (none of the $locked locked packages could be looked up)" >&2
  exit 0
fi
echo "$output"
if [ "$unaudited" -gt 0 ]; then
  echo "pip-audit: $unaudited of $locked locked packages could not be audited (above)." >&2
  exit 1
fi
exit "$status"
