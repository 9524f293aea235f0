#!/usr/bin/env bash
# Makes sure PostgreSQL, RabbitMQ and Redis are running on this machine for the tests:
# starts them when installed, installs them from Debian packages when missing (as root),
# otherwise stops with a message saying what to install.
set -euo pipefail

log() { printf '[services] %s\n' "$*" >&2; }

need_root() {
  if [ "$(id -u)" != 0 ]; then
    log "$1 is missing. Install it (Debian: apt-get install $2) or run this script as root."
    exit 1
  fi
}

apt_updated=0
apt_install() {
  need_root "$1" "$2"
  if [ "$apt_updated" = 0 ]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  log "installing $2"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $2 >/dev/null
}

wait_for() { # what, seconds, command...
  local what=$1 secs=$2; shift 2
  for _ in $(seq 1 "$secs"); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  log "$what did not come up in ${secs}s"
  return 1
}

# --- PostgreSQL -------------------------------------------------------------
if ! pg_isready -h 127.0.0.1 -p 5432 >/dev/null 2>&1; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install PostgreSQL "postgresql postgresql-client"
    # Tests connect as postgres over 127.0.0.1 without a password: trust local TCP.
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      sed -i -E 's/^(host\s+all\s+all\s+(127\.0\.0\.1\/32|::1\/128)\s+)\S+/\1trust/' "$hba"
    done
  fi
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  wait_for PostgreSQL 30 pg_isready -h 127.0.0.1 -p 5432
fi

# --- Redis ----------------------------------------------------------------------
if ! redis-cli -h 127.0.0.1 ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null || apt_install Redis "redis-server redis-tools"
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "${TMPDIR:-/tmp}" --logfile "${TMPDIR:-/tmp}/govhall-redis.log"
  wait_for Redis 20 redis-cli -h 127.0.0.1 ping
fi

# --- RabbitMQ ---------------------------------------------------------------
amqp_open() { (exec 3<>/dev/tcp/127.0.0.1/5672) 2>/dev/null; }
if ! amqp_open; then
  command -v rabbitmq-server >/dev/null || apt_install RabbitMQ rabbitmq-server
  if rabbitmqctl -q ping >/dev/null 2>&1; then
    # The node runs but its application was stopped (the fault tests stop and start it).
    log "starting the RabbitMQ application"
    rabbitmqctl start_app || true
  else
    log "starting RabbitMQ"
    rabbitmq-server -detached || true
  fi
  # await_startup can fail before the node registers: retry (see DEPENDENCIES.md).
  wait_for RabbitMQ 90 rabbitmqctl await_startup
  wait_for "RabbitMQ's AMQP port" 30 amqp_open
fi

# Two deployments are joined by a shovel in the tests (separate provincial and city
# platforms); the plugin ships with RabbitMQ and is enabled without a restart. Enabled
# plugins are listed by name only (-m): the header would name the pattern and always match.
# `enable` writes it to the enabled-plugins file, so it survives an application restart.
if ! rabbitmq-plugins list -q -e -m 2>/dev/null | grep -qx rabbitmq_shovel; then
  log "enabling the RabbitMQ shovel plugin"
  rabbitmq-plugins enable rabbitmq_shovel
fi

log "PostgreSQL, Redis and RabbitMQ are up"
