#!/usr/bin/env bash
# Start the action server (5055) and the Rasa server (5005); Ctrl-C stops both.
#   scripts/run.sh                 servers in the foreground
#   scripts/run.sh --shell ID      action server + `rasa shell` as customer ID
# BIND_HOST: the address both servers listen on; 127.0.0.1 in development mode,
# which refuses any other (development mode is for this machine only), else 0.0.0.0.
set -euo pipefail
cd "$(dirname "$0")/.."
# Rasa 3.6 and its dependencies print pages of deprecation warnings on 3.11.
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"
export PYTHONPATH="$PWD"
BIN=.venv/bin
ACTION_PORT=${ACTION_PORT:-5055}
RASA_PORT=${RASA_PORT:-5005}
# certificate download links point at this Rasa server unless set otherwise
export BOT_PUBLIC_URL=${BOT_PUBLIC_URL:-http://localhost:$RASA_PORT}
mkdir -p var
# BOT_DEV_MODE is parsed in one place (bot/config.py): "1", "yes", "on" mean here what they mean
# to the servers. The same call refuses settings that must not start (such as the public
# development token secret outside development mode, or development mode on a public address).
DEV_MODE=$($BIN/python -m bot.cli dev-mode ${BIND_HOST:+--bind "$BIND_HOST"})
if [ -z "${BIND_HOST:-}" ]; then
  if [ "$DEV_MODE" = "true" ]; then BIND_HOST=127.0.0.1; else BIND_HOST=0.0.0.0; fi
fi
# CORS only for the pages that embed the widget (BOT_WIDGET_ORIGINS; development: this server).
# Never "*": Rasa's CORS sends credentials, so every site could read what a logged-in browser can.
origins=$($BIN/python -m bot.cli widget-origins)
read -r -a widget_origins <<<"${origins//$'\n'/ }"
cors_args=()
if [ "${#widget_origins[@]}" -gt 0 ]; then cors_args=(--cors "${widget_origins[@]}"); fi
# The action server answers only the Rasa server: a secret both know (endpoints.yml).
export BOT_ACTION_SECRET=${BOT_ACTION_SECRET:-$(python3 -c 'import secrets; print(secrets.token_hex(32))')}
# A demo agent for the console in development (plain passwords work only there).
if [ "$DEV_MODE" = "true" ] && [ -z "${BOT_AGENT_USERS:-}" ]; then
  export BOT_AGENT_USERS="xiaowang:小王:dev-password"
fi

# Rasa's HTTP API can read and write any conversation: outside development mode
# it runs only behind a token (pass it as ?token=... to /conversations/...).
api_args=(--enable-api)
if [ "$DEV_MODE" != "true" ]; then
  if [ -z "${RASA_AUTH_TOKEN:-}" ]; then
    echo "RASA_AUTH_TOKEN must be set outside development mode (it protects Rasa's HTTP API)" >&2
    exit 1
  fi
  api_args+=(--auth-token "$RASA_AUTH_TOKEN")
fi

# endpoints.yml names the action server on 5055; another ACTION_PORT gets a copy that names it
# (without one, Rasa would call whatever listens on 5055, or nothing).
endpoints=endpoints.yml
if [ "$ACTION_PORT" != 5055 ]; then
  endpoints=var/endpoints.$ACTION_PORT.yml
  sed "s#http://localhost:5055/webhook#http://localhost:$ACTION_PORT/webhook#" endpoints.yml >"$endpoints"
  grep -q "localhost:$ACTION_PORT/webhook" "$endpoints" || { echo "could not point $endpoints at port $ACTION_PORT" >&2; exit 1; }
fi

pids=()
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "==> stopped"
}
trap stop INT TERM EXIT

# shellcheck source=scripts/wait-for.sh
source "$(dirname "$0")/wait-for.sh"

$BIN/python -m channels.action_server --host "$BIND_HOST" --port "$ACTION_PORT" --actions actions >var/actions.log 2>&1 &
pids+=($!)
wait_for "http://localhost:$ACTION_PORT/health" "action server" 60 "var/*.log"

if [ "${1:-}" = "--shell" ]; then
  $BIN/rasa shell --interface "$BIND_HOST" --conversation-id "${2:-demo_balance}" --endpoints "$endpoints"
  exit 0
fi

$BIN/rasa run "${api_args[@]}" ${cors_args[@]+"${cors_args[@]}"} --interface "$BIND_HOST" --port "$RASA_PORT" \
  --credentials credentials.yml --endpoints "$endpoints" --model models >var/rasa.log 2>&1 &
pids+=($!)
wait_for "http://localhost:$RASA_PORT/" "Rasa server" 180 "var/*.log"

cat <<MSG

==> ready
  REST:      curl -s localhost:$RASA_PORT/webhooks/rest/webhook \\
               -d '{"sender": "demo_balance", "message": "借呗能注销吗"}'
  socket.io: http://localhost:$RASA_PORT/socket.io  (the web widget; long-polling)
  widget demo: http://localhost:$RASA_PORT/webhooks/socketio/demo  (development mode: pick a demo customer)
  agent console: http://localhost:$RASA_PORT/console/  (development: log in as xiaowang / dev-password)
  HTTP API:  http://localhost:$RASA_PORT/status
  logs:      var/actions.log  var/rasa.log
  Ctrl-C stops both servers.
MSG
wait -n "${pids[@]}"
