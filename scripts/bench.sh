#!/usr/bin/env bash
# Benchmarks, with a baseline of this machine measured in the same run. Prints one summary
# table and writes it as JSON (bench-results/latest.json).
#
# Today: the deadline service under 1,000,000 running clocks on PostgreSQL (issue 4). The
# distributed-topology figures (submit, full flow, read, standalone, resources) arrive with
# the benchmark issue.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/govhall/target}"
CLOCKS="${BENCH_CLOCKS:-1000000}"
SCHEDULED="${BENCH_SCHEDULED:-20000}"
BURST="${BENCH_BURST:-10000}"
CONCURRENCY="${BENCH_CONCURRENCY:-16}"
PG="postgres://postgres@127.0.0.1:5432"
mkdir -p bench-results

echo "== build (release)"
cargo build --release --locked -p govhall-deadline --example clock_bench

echo "== machine"
machine_cpus=$(nproc)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "cpus=$machine_cpus load=$load_before"

echo "== baseline: pgbench (synchronous_commit on, $CONCURRENCY clients, 10 s each)"
base_db="bench_baseline_$$"
psql "$PG/postgres" -qc "CREATE DATABASE $base_db" >/dev/null
trap 'psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS $base_db" >/dev/null 2>&1 || true' EXIT
psql "$PG/$base_db" -q >/dev/null <<'SQL'
CREATE TABLE one_row (id bigserial PRIMARY KEY, payload text NOT NULL);
CREATE TABLE state (case_id uuid PRIMARY KEY, state text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE outbox (id bigserial PRIMARY KEY, body text NOT NULL, sent_at timestamptz);
CREATE TABLE counter (id int PRIMARY KEY, n bigint NOT NULL);
INSERT INTO counter SELECT g, 0 FROM generate_series(1, 1000) g;
SQL
scripts_dir=$(mktemp -d)
echo "INSERT INTO one_row (payload) VALUES ('x');" > "$scripts_dir/one.sql"
cat > "$scripts_dir/three.sql" <<'SQL'
\set id random(1, 1000)
BEGIN;
INSERT INTO state (case_id, state) VALUES (gen_random_uuid(), 'submitted');
INSERT INTO outbox (body) VALUES ('{"type":"intake.case.submitted"}');
UPDATE counter SET n = n + 1 WHERE id = :id;
COMMIT;
SQL
tps() { pgbench -n -c "$CONCURRENCY" -j 2 -T 10 -f "$1" "$PG/$base_db" 2>/dev/null | awk '/^tps/ {print $3; exit}'; }
tps_one=$(tps "$scripts_dir/one.sql")
tps_three=$(tps "$scripts_dir/three.sql")
rm -rf "$scripts_dir"
echo "one-row insert: $tps_one tx/s; three-statement write: $tps_three tx/s"

echo "== deadline: $CLOCKS running clocks, $SCHEDULED scheduled through the consumer, 200/s falling due for 20 s, then a burst of $BURST due at once"
result=$("$CARGO_TARGET_DIR/release/examples/clock_bench" --clocks "$CLOCKS" --scheduled "$SCHEDULED" --burst "$BURST" --concurrency "$CONCURRENCY" | tail -n 1)
bench_db=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["database"])' "$result")
psql "$PG/postgres" -qc "DROP DATABASE IF EXISTS \"$bench_db\"" >/dev/null 2>&1 || true
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

python3 - "$result" "$tps_one" "$tps_three" "$machine_cpus" "$load_before" "$load_after" <<'PY'
import json, sys, datetime
r = json.loads(sys.argv[1]); one, three = float(sys.argv[2]), float(sys.argv[3])
s, b, st = r["schedule"], r["burst"], r["steady"]
rows = [
    ("machine", f'{sys.argv[4]} cpus, load {sys.argv[5]} before, {sys.argv[6]} after'),
    ("baseline one-row insert (pgbench)", f"{one:,.0f} tx/s"),
    ("baseline 3-statement write (pgbench)", f"{three:,.0f} tx/s"),
    ("clocks in the table", f'{r["clocks_in_table"]:,}'),
    ("bulk load (SQL, not the service path)", f'{r["bulk_load_seconds"]:.1f} s'),
    ("schedule rate (real consumer)", f'{s["per_second"]:,.0f} clocks/s = {s["per_second"]/three:.2f} × the 3-statement baseline'),
    ("schedule latency p50 / p99", f'{s["latency_ms_p50"]:.1f} / {s["latency_ms_p99"]:.1f} ms'),
    ("normal load: clocks falling due", f'{st["per_second"]:,}/s for {st["clocks"]//st["per_second"]} s (fired {st["fired"]:,})'),
    ("firing lag p50 / p99 / max", f'{st["lag_ms_p50"]:.0f} / {st["lag_ms_p99"]:.0f} / {st["lag_ms_max"]:.0f} ms (promise: < 1,000 ms)'),
    ("burst: clocks due at one instant", f'{b["clocks"]:,} (fired {b["fired"]:,})'),
    ("firing lag p50 / p99", f'{b["lag_ms_p50"]:.0f} / {b["lag_ms_p99"]:.0f} ms (due time → taken up by the scheduler)'),
    ("all fired after due", f'{b["all_fired_after_due_ms"]:,} ms'),
    ("RSS of the deadline process", f'{r["rss_mib"]["after_load"]:.0f} MiB loaded, {r["rss_mib"]["after_burst"]:.0f} MiB after the burst'),
]
width = max(len(k) for k, _ in rows)
for k, v in rows:
    print(f"{k:<{width}}  {v}")
summary = {"at": datetime.datetime.now(datetime.timezone.utc).isoformat(), "machine": {"cpus": int(sys.argv[4]), "load_before": sys.argv[5], "load_after": sys.argv[6]},
           "baseline": {"pgbench_one_row_tps": one, "pgbench_three_statement_tps": three}, "deadline": r}
json.dump(summary, open("bench-results/latest.json", "w"), indent=2)
print("written: bench-results/latest.json")
PY
