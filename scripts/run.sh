#!/usr/bin/env bash
# Runs the station. With no arguments it makes a few sample scans (Decree 30 layout,
# with stamps, skew, upside-down and sideways pages) and processes them into ./out.
#   scripts/run.sh                         sample scans -> ./out
#   scripts/run.sh SCAN... [--out DIR]     your own scans
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
if [ $# -eq 0 ]; then
  if [ ! -d samples ]; then
    echo "run: making sample scans in ./samples"
    .venv/bin/python -m tests.synthetic samples --count 1 \
      --profiles clean,stamps,skew,upside_down,rotated90,yellowed,bilevel >/dev/null
  fi
  set -- samples --out out
fi
case " $* " in *" --out "*) ;; *) set -- "$@" --out out ;; esac
exec .venv/bin/station process "$@"
