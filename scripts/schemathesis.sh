#!/usr/bin/env bash
# Schemathesis against the running gateway: starts `govhall standalone` on a fresh data
# folder, then checks every operation of the committed spec (openapi/openapi.json) with
# every check Schemathesis has, once anonymously and once with a token of each kind of
# caller. Called by scripts/test.sh; fails on any failure of any check.
set -euo pipefail
cd "$(dirname "$0")/.."

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/govhall/target}"
VERSION=4.32.5
# CPython 3.11 before 3.11.8 can fail inside `ast` while Hypothesis describes a strategy
# ("AST constructor recursion depth mismatch", gh-106905): use a newer Python when the machine
# has one.
PYTHON=python3
for candidate in "$HOME"/.pyenv/versions/3.13*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 python3.13 python3.12; do
  if command -v "$candidate" >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
done
VENV="$HOME/.cache/govhall/venv-$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if ! "$VENV/bin/st" --version 2>/dev/null | grep -q "$VERSION"; then
  rm -rf "$VENV"
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    # Debian's own Python keeps venv in a package of its own.
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip >/dev/null
      rm -rf "$VENV"
      "$PYTHON" -m venv "$VENV"
    else
      echo "Python's venv module is missing (Debian: apt-get install python3-venv)" >&2
      exit 1
    fi
  fi
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$VERSION"
fi
ST="$VENV/bin/st"

cargo build --locked --bin govhall
BIN="$CARGO_TARGET_DIR/debug/govhall"
DATA="$(mktemp -d)"
LOG="$DATA/govhall.log"
PID=""
cleanup() {
  if [ -n "$PID" ]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
  rm -rf "$DATA"
}
trap cleanup EXIT

export GOVHALL_DATA_DIR="$DATA"
# Schemathesis sends thousands of requests from one address: the limits are tested elsewhere.
export GOVHALL_RATE_LIMIT__PER_IP_PER_MINUTE=0 GOVHALL_RATE_LIMIT__PER_PRINCIPAL_PER_MINUTE=0
GOVHALL_HTTP__PORT=0 GOVHALL_LOG__LEVEL=warn "$BIN" standalone >"$DATA/stdout" 2>"$LOG" &
PID=$!
URL=""
for _ in $(seq 1 120); do
  URL="$(sed -n 's/.*listening on \(http[^ ]*\).*/\1/p' "$DATA/stdout" | head -1)"
  [ -n "$URL" ] && curl -fsS "$URL/readyz" >/dev/null 2>&1 && break
  URL=""
  kill -0 "$PID" 2>/dev/null || { cat "$LOG"; echo "govhall standalone exited" >&2; exit 1; }
  sleep 0.5
done
[ -n "$URL" ] || { cat "$LOG"; echo "govhall standalone did not become ready" >&2; exit 1; }
echo "== schemathesis against $URL"

token() { "$BIN" token --ttl 7200 "$@"; }
declare -A TOKENS=(
  [anonymous]=""
  [citizen]="$(token --kind citizen --sub st-citizen)"
  [legal_person]="$(token --kind legal-person --sub st-company)"
  [integrator]="$(token --kind integrator --sub st-portal)"
  [window_clerk]="$(token --role window-clerk --division 320102 --sub st-clerk)"
  [reviewer]="$(token --role reviewer --division 320102 --department 320102-SCJGJ --sub st-reviewer)"
  [leader]="$(token --role leader --division 320102 --department 320102-SCJGJ --sub st-leader)"
  [supervisor]="$(token --role supervisor --division 320100 --sub st-supervisor)"
  [admin]="$(token --role admin --division 320100 --sub st-admin)"
)

failed=()
for who in anonymous citizen legal_person integrator window_clerk reviewer leader supervisor admin; do
  echo "== as $who"
  auth=()
  [ -n "${TOKENS[$who]}" ] && auth=(-H "Authorization: Bearer ${TOKENS[$who]}")
  if ! "$ST" --no-color --config-file scripts/schemathesis.toml run openapi/openapi.json --url "$URL" \
      "${auth[@]}" --checks all --workers 2 --max-examples "${SCHEMATHESIS_EXAMPLES:-10}" \
      --phases examples,coverage,fuzzing --seed "${SCHEMATHESIS_SEED:-1}"; then
    failed+=("$who")
  fi
done
if ! kill -0 "$PID" 2>/dev/null; then
  cat "$LOG"; echo "govhall standalone died during the run" >&2; exit 1
fi
if [ "${#failed[@]}" -gt 0 ]; then
  # What govhall itself said meanwhile (warnings and errors), for the failure at hand.
  echo "== govhall standalone's log (warnings and errors)" >&2
  tail -n 200 "$LOG" >&2
  echo "schemathesis failed as: ${failed[*]}" >&2
  exit 1
fi
echo "== schemathesis: no failures for any caller"
