#!/usr/bin/env bash
# Start the local PostgreSQL and Redis when they are not running (as on CI machines of this kind).
# Exits non-zero, saying which, when either is still unreachable after 30 seconds.
set -u
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
wait_for() { for _ in $(seq 1 30); do "$1" && return 0; sleep 1; done; return 1; }
status=0

if ! pg_up; then
  echo "Starting PostgreSQL"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
  if [ -n "$version" ] && command -v pg_ctlcluster >/dev/null; then
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  wait_for pg_up || { echo "PostgreSQL is not reachable on 127.0.0.1:5432 (installed? apt-get install postgresql)" >&2; status=1; }
fi

if ! redis_up; then
  echo "Starting Redis"
  if command -v redis-server >/dev/null; then
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null || true
  fi
  wait_for redis_up || { echo "Redis is not reachable on 127.0.0.1:6379 (installed? apt-get install redis-server)" >&2; status=1; }
fi
exit $status
