#!/usr/bin/env bash
# Runs the static checks and the test suite (installs what it needs first).
#   scripts/test.sh                 everything
#   scripts/test.sh -m "not slow"   the quick subset
#   SKIP_CHECKS=1 scripts/test.sh   the tests only (inner loop)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
[ -n "${SKIP_CHECKS:-}" ] || scripts/check.sh
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" "$@"
