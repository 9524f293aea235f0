#!/bin/sh
# Starts one Sentinel. Its configuration is written afresh at every start (Sentinel rewrites
# the file, so it lives in the pod's emptyDir): the master is the one the other Sentinels
# name, else the node that says it is master, else redis-node-0.
set -eu
ns="$POD_NAMESPACE"
nodes="redis-nodes.$ns.svc.cluster.local"
sentinels="redis-sentinel.$ns.svc.cluster.local"
self="$(hostname).$sentinels"
password="$(cat /etc/redis-secret/password)"

master=""
for i in 0 1 2; do
  host="redis-sentinel-$i.$sentinels"
  [ "$host" = "$self" ] && continue
  answer="$(timeout 3 redis-cli -h "$host" -p 26379 \
    sentinel get-master-addr-by-name govhall 2>/dev/null | head -n 1 || true)"
  if [ -n "$answer" ]; then master="$answer"; break; fi
done
if [ -z "$master" ]; then
  for i in 0 1 2; do
    host="redis-node-$i.$nodes"
    if REDISCLI_AUTH="$password" timeout 3 redis-cli -h "$host" info replication 2>/dev/null \
      | grep -q '^role:master'; then
      master="$host"
      break
    fi
  done
fi
if [ -z "$master" ]; then master="redis-node-0.$nodes"; fi

conf=/data/sentinel.conf
cat > "$conf" <<CONF
port 26379
dir /data
# No password on Sentinel itself: only the Redis nodes and the other Sentinels reach it
# (NetworkPolicy redis-sentinel).
protected-mode no
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip $self
sentinel monitor govhall $master 6379 2
sentinel auth-pass govhall $password
sentinel down-after-milliseconds govhall 5000
sentinel failover-timeout govhall 60000
sentinel parallel-syncs govhall 1
CONF
echo "redis-sentinel: $self monitors $master"
exec redis-server "$conf" --sentinel
