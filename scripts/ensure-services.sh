#!/usr/bin/env bash
# Start the machine's PostgreSQL, Redis and RabbitMQ if they are installed but
# stopped (the production settings and some tests use them). Missing services
# are reported, not installed; with CI=true the tests that need them then fail.
set -uo pipefail

if command -v pg_ctlcluster >/dev/null && ! pg_isready -q -h 127.0.0.1 2>/dev/null; then
  ver=$(ls /etc/postgresql 2>/dev/null | head -n1)
  [ -n "$ver" ] && pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || true
fi
if command -v redis-server >/dev/null && ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null 2>&1 || true
fi
if command -v rabbitmq-server >/dev/null && ! rabbitmqctl -q status >/dev/null 2>&1; then
  rabbitmq-server -detached >/dev/null 2>&1 || true
fi
for check in "pg_isready -q -h 127.0.0.1:PostgreSQL" "redis-cli -h 127.0.0.1 ping:Redis"; do
  cmd=${check%%:*}; name=${check##*:}
  $cmd >/dev/null 2>&1 || echo "note: $name is not running on localhost"
done
exit 0
