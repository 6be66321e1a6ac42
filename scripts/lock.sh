#!/usr/bin/env bash
# `make lock`: the whole dependency tree, pinned with hashes, from requirements.txt (what production
# installs) and requirements-dev.txt (that plus the tests' and CI's tools): requirements.lock and
# requirements-dev.lock. `make venv` installs from requirements-dev.lock. Run after any change to a
# requirements file; it uses the package index pip is configured with.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
compile=("$VENV/bin/pip-compile" --quiet --generate-hashes --allow-unsafe --strip-extras --resolver=backtracking
  --no-emit-index-url --no-emit-find-links --no-emit-trusted-host --no-header --annotation-style=line)
"${compile[@]}" --output-file requirements.lock requirements.txt
"${compile[@]}" --output-file requirements-dev.lock requirements-dev.txt
