#!/usr/bin/env bash
# Health of a running production topology (scripts/run-prod.sh), one line per part; exit 1 if any is down.
# Uses the same settings as run-prod.sh (RASA_PORT_BASE, RASA_WORKERS, ACTION_PORT_BASE, ACTION_WORKERS,
# PUBLIC_PORT, ACTION_PROXY_PORT, TRACKER_DB_*, REDIS_*, RABBITMQ_*).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
eval "$($BIN/python scripts/prod_config.py defaults)"
RASA_WORKERS=${RASA_WORKERS:-2}
ACTION_WORKERS=${ACTION_WORKERS:-2}
RASA_PORT_BASE=${RASA_PORT_BASE:-5005}
ACTION_PORT_BASE=${ACTION_PORT_BASE:-5055}
PUBLIC_PORT=${PUBLIC_PORT:-8080}
ACTION_PROXY_PORT=${ACTION_PROXY_PORT:-5050}
bad=0

http() {  # name url
  if curl -fsS -m 5 -o /dev/null "$2" 2>/dev/null; then echo "ok    $1  $2"; else echo "DOWN  $1  $2"; bad=1; fi
}
tcp() {  # name host port
  if $BIN/python -c "import socket,sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()" "$2" "$3" 2>/dev/null; then
    echo "ok    $1  $2:$3"
  else
    echo "DOWN  $1  $2:$3"; bad=1
  fi
}

http "nginx (public)" "http://127.0.0.1:$PUBLIC_PORT/nginx-health"
http "Rasa through nginx" "http://127.0.0.1:$PUBLIC_PORT/"
for port in $(seq "$RASA_PORT_BASE" $((RASA_PORT_BASE + RASA_WORKERS - 1))); do http "Rasa server" "http://127.0.0.1:$port/"; done
http "actions through nginx" "http://127.0.0.1:$ACTION_PROXY_PORT/health"
for port in $(seq "$ACTION_PORT_BASE" $((ACTION_PORT_BASE + ACTION_WORKERS - 1))); do http "action server" "http://127.0.0.1:$port/health"; done
tcp "tracker PostgreSQL" "$TRACKER_DB_HOST" "$TRACKER_DB_PORT"
tcp "Redis lock store" "$REDIS_HOST" "$REDIS_PORT"
tcp "RabbitMQ broker" "$RABBITMQ_HOST" "$RABBITMQ_PORT"
# Handoff events wait in the account database until RabbitMQ takes them (docs/handoff-events.md).
if [ -n "${BOT_EVENTS_AMQP_URL:-}" ] && [ -n "${DATABASE_URL:-}" ]; then
  if backlog=$($BIN/python -m bot.cli outbox 2>/dev/null); then
    echo "ok    handoff events  $backlog"
  else
    echo "LATE  handoff events  ${backlog:-the account database did not answer}"; bad=1
  fi
fi
exit $bad
