#!/usr/bin/env bash
# Runs the station (installs what it needs first).
#   scripts/run.sh                      the service, with a few sample scans dropped in;
#                                       Ctrl-C stops it
#   scripts/run.sh process SCAN... --out DIR     one-off processing of your own scans
#   scripts/run.sh status | verify FILE.pdf | ...  any other `station` command
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
if [ $# -eq 0 ]; then
  set -- run --samples
fi
exec .venv/bin/station "$@"
