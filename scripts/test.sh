#!/usr/bin/env bash
# The test command: make sure the infrastructure runs, then format check, clippy with
# warnings denied, the whole test suite (unit, bus conformance on both buses, gateway,
# end-to-end on standalone and on PostgreSQL + RabbitMQ), the fault tests (tests/faults),
# Schemathesis against the running
# gateway with the committed spec for every kind of caller, and the Dockerfile and k8s/
# manifests rendered, validated and scanned (scripts/k8s-check.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh
scripts/browser-deps.sh   # chromium, chromedriver, a Chinese font, axe-core (tests/browser)

# A target folder outside the clone, so a fresh clone reuses what this machine built.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/govhall/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "== rustfmt"
cargo fmt --all -- --check

echo "== clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== image and manifests (hadolint, kustomize, kubernetes-validate, checkov)"
scripts/k8s-check.sh

# Databases left by earlier runs (tests name theirs test_<uuid>).
psql -h 127.0.0.1 -U postgres -d postgres -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'test\_%'" 2>/dev/null \
  | while read -r db; do psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 || true; done

echo "== tests"
if cargo nextest --version >/dev/null 2>&1; then
  # .config/nextest.toml leaves the fault tests out of this run (they stop shared servers).
  cargo nextest run --workspace --locked --no-fail-fast --failure-output final
else
  cargo test --workspace --locked --no-fail-fast -- --skip no_case_is_lost
fi

echo "== fault tests (alone: they kill services, restart RabbitMQ and PostgreSQL)"
# Whatever happens to them, the servers are running again afterwards.
trap 'scripts/services.sh' EXIT
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run -p govhall --test faults --locked --ignore-default-filter --no-capture
else
  cargo test -p govhall --test faults --locked -- --nocapture --test-threads 1
fi
scripts/services.sh

echo "== schemathesis"
scripts/schemathesis.sh
