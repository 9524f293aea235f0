#!/usr/bin/env bash
# Benchmarks, with a baseline of this machine measured in the same run.
#
#   scripts/bench.sh
#
# 1. makes sure PostgreSQL, RabbitMQ and Redis run (scripts/services.sh) and builds the
#    workspace in release;
# 2. baseline: pgbench (synchronous_commit on) on a throwaway database, a one-row insert and
#    a three-statement write shaped like govhall's (state row, outbox row, update), at the
#    concurrency of the load, BENCH_PGBENCH_SECS each;
# 3. govhall-bench (tools/bench): the distributed topology (one `govhall serve` process per
#    service on fresh databases bench_<run>_<service>, RabbitMQ prefix bench.<run>., Redis
#    prefix bench:<run>:) driven through the gateway — submit, full flow, read, the deadline
#    service under BENCH_CLOCKS running clocks, resources — then `govhall standalone`;
# 4. prints one summary table and writes it as JSON (BENCH_OUT, default
#    bench-results/latest.json).
#
# Settings (environment, with defaults): BENCH_CONCURRENCY=16, BENCH_PGBENCH_SECS=10,
# BENCH_SUBMIT_SECS=15, BENCH_FLOW_SECS=30, BENCH_READ_SECS=10, BENCH_CLOCKS=1000000,
# BENCH_SCHEDULED=20000 (of the clocks, scheduled through the real bus; the rest are seeded by
# SQL), BENCH_BURST=10000, BENCH_POLL_MS=20, BENCH_SKIP_STANDALONE=, BENCH_MATTER,
# BENCH_DIVISION, BENCH_DEPARTMENTS (see `govhall-bench --help`), BENCH_TIMEOUT_SECS=480 (the
# driver's watchdog). With the release build in
# place the defaults take about 4–5 minutes; everything this run starts or creates is removed
# on exit, also on failure or Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/govhall/target}"
CONCURRENCY="${BENCH_CONCURRENCY:-16}"
PGBENCH_SECS="${BENCH_PGBENCH_SECS:-10}"
OUT="${BENCH_OUT:-bench-results/latest.json}"
PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
RUN="$(date +%s)_$$"
WORK="${TMPDIR:-/tmp}/govhall-bench-$RUN"
base_db="bench_${RUN}_baseline"
mkdir -p "$WORK"

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  # Every process the driver started (it also kills them itself when it ends normally).
  if [ -f "$WORK/pids" ]; then
    while read -r pid; do kill -9 "$pid" 2>/dev/null || true; done <"$WORK/pids"
  fi
  if [ -n "${driver_pid:-}" ]; then kill "$driver_pid" 2>/dev/null || true; fi
  # Every database of this run (the driver drops its own; this is for a run cut short).
  for db in $(psql "$PG/postgres" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'bench\_${RUN}\_%'" 2>/dev/null); do
    psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  done
  # Queues of this run that the driver could not delete expire on their own after 60 s idle.
  redis-cli -h 127.0.0.1 --scan --pattern "bench:${RUN}:*" 2>/dev/null \
    | xargs -r redis-cli -h 127.0.0.1 del >/dev/null 2>&1 || true
  if [ "$status" = 0 ]; then rm -rf "$WORK"; else echo "logs kept in $WORK" >&2; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/services.sh

echo "== build (release)"
cargo build --release --locked --workspace
bin="$CARGO_TARGET_DIR/release"

echo "== machine: $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "== baseline: pgbench (synchronous_commit on), $CONCURRENCY clients, ${PGBENCH_SECS} s each"
psql "$PG/postgres" -qc "CREATE DATABASE $base_db" >/dev/null
psql "$PG/postgres" -qc "ALTER DATABASE $base_db SET synchronous_commit = on" >/dev/null
echo "synchronous_commit: $(psql "$PG/$base_db" -Atc 'SHOW synchronous_commit')"
psql "$PG/$base_db" -q >/dev/null <<'SQL'
CREATE TABLE one_row (id bigserial PRIMARY KEY, payload text NOT NULL);
CREATE TABLE state (case_id uuid PRIMARY KEY, state text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE outbox (id bigserial PRIMARY KEY, body text NOT NULL, sent_at timestamptz);
CREATE TABLE counter (id int PRIMARY KEY, n bigint NOT NULL);
INSERT INTO counter SELECT g, 0 FROM generate_series(1, 1000) g;
SQL
echo "INSERT INTO one_row (payload) VALUES ('x');" >"$WORK/one.sql"
cat >"$WORK/three.sql" <<'SQL'
\set id random(1, 1000)
BEGIN;
INSERT INTO state (case_id, state) VALUES (gen_random_uuid(), 'submitted');
INSERT INTO outbox (body) VALUES ('{"type":"intake.case.submitted"}');
UPDATE counter SET n = n + 1 WHERE id = :id;
COMMIT;
SQL
tps() {
  pgbench -n -c "$CONCURRENCY" -j 2 -T "$PGBENCH_SECS" -f "$1" "$PG/$base_db" 2>/dev/null \
    | awk '/^tps/ {print $3; exit}'
}
tps_one=$(tps "$WORK/one.sql")
tps_three=$(tps "$WORK/three.sql")
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $base_db WITH (FORCE)" >/dev/null
echo "one-row insert: $tps_one tx/s; three-statement write: $tps_three tx/s"

echo "== govhall (distributed, then standalone); logs in $WORK"
# A watchdog keeps the run bounded whatever happens (the trap then cleans up).
timeout "${BENCH_TIMEOUT_SECS:-480}" "$bin/govhall-bench" \
  --govhall "$bin/govhall" \
  --workdir "$WORK" \
  --run "$RUN" \
  --out "$OUT" \
  --pg "$PG" \
  --concurrency "$CONCURRENCY" \
  --baseline-one "$tps_one" \
  --baseline-three "$tps_three" &
driver_pid=$!
wait "$driver_pid"
