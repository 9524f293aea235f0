#!/bin/sh
# Starts one Redis node. It follows the master that Sentinel names; when no Sentinel
# answers (first start, or every Sentinel restarted), the node another node says is master;
# when none is running, redis-node-0 becomes master and the others its replicas.
set -eu
ns="$POD_NAMESPACE"
nodes="redis-nodes.$ns.svc.cluster.local"
sentinels="redis-sentinel.$ns.svc.cluster.local"
self="$(hostname).$nodes"
REDISCLI_AUTH="$(cat /etc/redis-secret/password)"
export REDISCLI_AUTH

master=""
for i in 0 1 2; do
  answer="$(timeout 3 redis-cli -h "redis-sentinel-$i.$sentinels" -p 26379 \
    sentinel get-master-addr-by-name govhall 2>/dev/null | head -n 1 || true)"
  if [ -n "$answer" ]; then master="$answer"; break; fi
done
if [ -z "$master" ]; then
  for i in 0 1 2; do
    host="redis-node-$i.$nodes"
    [ "$host" = "$self" ] && continue
    if timeout 3 redis-cli -h "$host" info replication 2>/dev/null | grep -q '^role:master'; then
      master="$host"
      break
    fi
  done
fi
if [ -z "$master" ]; then master="redis-node-0.$nodes"; fi

set -- /etc/redis/redis.conf \
  --requirepass "$REDISCLI_AUTH" --masterauth "$REDISCLI_AUTH" \
  --replica-announce-ip "$self"
if [ "$master" != "$self" ]; then
  set -- "$@" --replicaof "$master" 6379
fi
if [ "$master" = "$self" ]; then role=master; else role="replica of $master"; fi
echo "redis-node: $self starts as $role"
exec redis-server "$@"
