#!/usr/bin/env bash
# Run a command and print how long it took, so a CI log shows where the minutes go:
#   scripts/timed.sh "label" command args...
set -uo pipefail
label=$1; shift
start=$(date +%s)
"$@"; rc=$?
echo "==> ${label}: $(( $(date +%s) - start )) s$([ $rc -ne 0 ] && echo " (failed, exit $rc)")"
exit $rc
