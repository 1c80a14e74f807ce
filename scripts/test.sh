#!/usr/bin/env bash
# Runs the test suite (installs what it needs first).
#   scripts/test.sh              everything
#   scripts/test.sh -m "not slow"   the quick subset
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-2}" "$@"
