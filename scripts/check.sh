#!/usr/bin/env bash
# The static checks (run by scripts/test.sh before the tests): lint and format (ruff),
# types (mypy on the packages), and DESIGN.md's one-way dependencies (import-linter,
# contracts in pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "checks: ruff"
.venv/bin/ruff check --quiet .
.venv/bin/ruff format --check --quiet .
echo "checks: mypy"
.venv/bin/mypy
echo "checks: import contracts"
.venv/bin/lint-imports --no-cache
