#!/bin/sh
# govhall's Redis client is not Sentinel-aware (one redis:// URL): HAProxy forwards to
# whichever node answers role:master. The password is read from the mounted Secret into
# the environment that haproxy.cfg refers to, so it is never in a manifest or a variable
# of the pod spec.
set -eu
REDIS_PASSWORD="$(cat /etc/redis-secret/password)"
export REDIS_PASSWORD
exec haproxy -W -db -f /etc/haproxy/haproxy.cfg
