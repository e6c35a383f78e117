# Sourced by run.sh and run-prod.sh: wait until a URL answers, or stop with where to look.
wait_for() {  # url, name, seconds, where the logs are
  for _ in $(seq 1 "$3"); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 1
  done
  echo "$2 did not answer $1 in $3 s; see $4" >&2
  exit 1
}
