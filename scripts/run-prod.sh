#!/usr/bin/env bash
# Production topology on one machine (README, Production deployment; docs/scaling.md):
#   nginx :PUBLIC_PORT ──ip_hash──▶ RASA_WORKERS Rasa servers (127.0.0.1:RASA_PORT_BASE…)
#   Rasa ──action_endpoint──▶ nginx 127.0.0.1:ACTION_PROXY_PORT ──▶ ACTION_WORKERS action servers
#   account DB + Rasa's SQL tracker store: PostgreSQL; lock store: Redis; event broker: RabbitMQ.
# Every secret comes from the environment; a missing one stops the start with a clear message.
# Each process is restarted when it dies (back-off 1 s doubling to 30 s); Ctrl-C / SIGTERM stops all.
#   scripts/run-prod.sh            start and stay in the foreground
#   scripts/run-prod.sh --check    check settings, services, model and nginx's config, then exit
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONWARNINGS="${PYTHONWARNINGS:-ignore}"
export PYTHONPATH="$PWD"
BIN=.venv/bin

RASA_WORKERS=${RASA_WORKERS:-2}
ACTION_WORKERS=${ACTION_WORKERS:-2}
RASA_PORT_BASE=${RASA_PORT_BASE:-5005}
ACTION_PORT_BASE=${ACTION_PORT_BASE:-5055}
export PUBLIC_PORT=${PUBLIC_PORT:-8080}
export PUBLIC_BIND=${PUBLIC_BIND:-0.0.0.0}
export ACTION_PROXY_PORT=${ACTION_PROXY_PORT:-5050}
PROD_DIR=${PROD_DIR:-var/prod}
export LOG_DIR=${LOG_DIR:-$PROD_DIR/logs}
export NGINX_RUN_DIR=$PROD_DIR/nginx
MODEL=${MODEL:-models}
RASA_START_SECONDS=${RASA_START_SECONDS:-600}  # two models loading at once on 2 busy cores
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
export RASA_PORTS ACTION_PORTS
RASA_PORTS=$(seq -s ' ' "$RASA_PORT_BASE" $((RASA_PORT_BASE + RASA_WORKERS - 1)))
ACTION_PORTS=$(seq -s ' ' "$ACTION_PORT_BASE" $((ACTION_PORT_BASE + ACTION_WORKERS - 1)))

die() { echo "run-prod: $*" >&2; exit 2; }

if [ ! -x "$NGINX" ]; then
  die "nginx is not installed ($NGINX). Install Debian's package: apt-get install nginx
  (scripts/setup.sh does it when run as root with PROD=1; or set NGINX=/path/to/nginx)"
fi
[ -x "$BIN/python" ] || die "no .venv: run make setup"

# Production is production: BOT_DEV_MODE off (the Makefile's development default does not apply).
export BOT_DEV_MODE=${BOT_DEV_MODE:-false}
# Non-secret settings default to the services on localhost; secrets never default.
eval "$($BIN/python scripts/prod_config.py defaults)"
export ACTION_ENDPOINT_URL="http://127.0.0.1:$ACTION_PROXY_PORT/webhook"
export BOT_PUBLIC_URL=${BOT_PUBLIC_URL:-http://localhost:$PUBLIC_PORT}
# Rasa listens on loopback behind nginx only, so nginx's X-Real-IP can be trusted: rate limits and
# console lock-outs count the client's address, not nginx's (docs/security.md).
export SANIC_PROXIES_COUNT=${SANIC_PROXIES_COUNT:-1}
export SANIC_REAL_IP_HEADER=${SANIC_REAL_IP_HEADER:-x-real-ip}
$BIN/python scripts/prod_config.py check || exit 2
$BIN/python scripts/prod_config.py tracker-db || exit 2

model_found=$(find "$MODEL" -maxdepth 1 -name '*.tar.gz' 2>/dev/null | head -n1 || true)
[ -f "$MODEL" ] && model_found=$MODEL
if [ -z "$model_found" ] && [ "${PROD_ALLOW_NO_MODEL:-}" != "1" ]; then
  die "no trained model in $MODEL/: run \`make train\` (or set MODEL=path/to/model.tar.gz)"
fi

mkdir -p "$LOG_DIR" "$NGINX_RUN_DIR"
$BIN/python scripts/prod_config.py nginx "$NGINX_RUN_DIR/nginx.conf"
"$NGINX" -t -q -p "$NGINX_RUN_DIR" -c nginx.conf -g 'daemon off;' 2>"$LOG_DIR/nginx-check.log" \
  || die "nginx rejects $NGINX_RUN_DIR/nginx.conf: $(cat "$LOG_DIR/nginx-check.log")"

# the account database: migrations and the product catalog (never the demo customers outside development)
$BIN/python -m bot.cli prepare >>"$LOG_DIR/prepare.log" 2>&1 || die "migrating DATABASE_URL failed: see $LOG_DIR/prepare.log"

if [ "${1:-}" = "--check" ]; then
  echo "run-prod: settings, services, model and nginx config are good ($NGINX_RUN_DIR/nginx.conf)"
  exit 0
fi

origins=$($BIN/python -m bot.cli widget-origins)
read -r -a widget_origins <<<"${origins//$'\n'/ }"
cors_args=()
if [ "${#widget_origins[@]}" -gt 0 ]; then cors_args=(--cors "${widget_origins[@]}"); fi

# supervise NAME COMMAND...: run COMMAND, append its output to $LOG_DIR/NAME.log, restart it
# when it exits (1 s back-off doubling to 30 s, back to 1 s after a minute up); TERM stops both.
supervise() {
  local name=$1 delay=1 child=0 started rc
  shift
  set +e
  trap 'kill -TERM $child 2>/dev/null; for _ in $(seq 1 100); do kill -0 $child 2>/dev/null || exit 0; sleep 0.1; done; kill -KILL $child 2>/dev/null; exit 0' TERM INT
  while :; do
    started=$SECONDS
    "$@" >>"$LOG_DIR/$name.log" 2>&1 &
    child=$!
    echo "$child" >"$PROD_DIR/$name.pid"
    wait "$child"
    rc=$?
    if [ $((SECONDS - started)) -ge 60 ]; then delay=1; fi
    echo "$(date -Is) $name (pid $child) exited with $rc; restarting in ${delay}s" >>"$LOG_DIR/supervisor.log"
    sleep "$delay" & wait $!
    delay=$((delay * 2 > 30 ? 30 : delay * 2))
  done
}

pids=()
stop() {
  trap - INT TERM EXIT
  echo "==> stopping"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -f "$PROD_DIR"/*.pid
  echo "==> stopped"
}
trap stop INT TERM EXIT

# shellcheck source=scripts/wait-for.sh
source "$(dirname "$0")/wait-for.sh"

for port in $ACTION_PORTS; do
  supervise "actions-$port" $BIN/python -m channels.action_server --host 127.0.0.1 --port "$port" --actions actions &
  pids+=($!)
done
supervise nginx "$NGINX" -p "$NGINX_RUN_DIR" -c nginx.conf -g 'daemon off;' &
pids+=($!)
for port in $RASA_PORTS; do
  supervise "rasa-$port" $BIN/rasa run --enable-api --auth-token "$RASA_AUTH_TOKEN" ${cors_args[@]+"${cors_args[@]}"} \
    --interface 127.0.0.1 --port "$port" --credentials credentials.yml --endpoints endpoints.production.yml \
    --model "$MODEL" &
  pids+=($!)
done

for port in $ACTION_PORTS; do wait_for "http://127.0.0.1:$port/health" "action server $port" 120 "$LOG_DIR/"; done
wait_for "http://127.0.0.1:$PUBLIC_PORT/nginx-health" "nginx" 30 "$LOG_DIR/"
wait_for "http://127.0.0.1:$ACTION_PROXY_PORT/health" "action servers through nginx" 30 "$LOG_DIR/"
for port in $RASA_PORTS; do wait_for "http://127.0.0.1:$port/" "Rasa server $port" "$RASA_START_SECONDS" "$LOG_DIR/"; done
wait_for "http://127.0.0.1:$PUBLIC_PORT/" "Rasa servers through nginx" 30 "$LOG_DIR/"

cat <<MSG

==> production topology ready (BOT_DEV_MODE off)
  public:    http://$PUBLIC_BIND:$PUBLIC_PORT  (nginx → Rasa $RASA_PORTS, sticky per client address)
  REST:      curl -s localhost:$PUBLIC_PORT/webhooks/rest/webhook -H "Authorization: Bearer <customer token>" -d '{"message": "借呗能注销吗"}'
  actions:   Rasa → http://127.0.0.1:$ACTION_PROXY_PORT/webhook (nginx → action servers $ACTION_PORTS)
  stores:    tracker PostgreSQL $TRACKER_DB_HOST:$TRACKER_DB_PORT/$TRACKER_DB_NAME · lock Redis $REDIS_HOST:$REDIS_PORT/$REDIS_DB · events RabbitMQ $RABBITMQ_HOST:$RABBITMQ_PORT ($RABBITMQ_EXCHANGE → $RABBITMQ_EVENTS_QUEUE)
  health:    scripts/prod-health.sh
  logs:      $LOG_DIR/  (one file per process; restarts in supervisor.log)
  Ctrl-C stops everything.
MSG
wait
