# One image for every govhall process: `govhall standalone` (the default command),
# `govhall serve <intake|deadline|approval|joint|gateway>`, `govhall migrate`.
#
#   docker build -t govhall:dev .
#   docker run --rm -p 8080:8080 govhall:dev          # standalone (SQLite under /var/lib/govhall)
#   docker run --rm --env-file serve.env govhall:dev serve intake
#
# Linted by scripts/k8s-check.sh (hadolint). Kubernetes ignores HEALTHCHECK and uses the
# probes in k8s/base instead.

# ---- planner: only the manifests, so that the dependency layer below is rebuilt when a
# Cargo.toml or Cargo.lock changes and not on every source edit (what cargo-chef does,
# without the extra tool). A new workspace member is picked up without editing this file.
FROM rust:1.95-bookworm AS planner
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY . .
RUN find . -name Cargo.toml -not -path './target/*' -print0 \
      | xargs -0 -I{} install -D -m 0644 {} /recipe/{} \
    && cp Cargo.lock /recipe/Cargo.lock

# ---- builder: dependencies first (cached), then the workspace itself.
FROM rust:1.95-bookworm AS builder
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY --from=planner /recipe/ ./
# Stub targets so that cargo can resolve the workspace and build every dependency: the
# root package is the `govhall` binary, every other member is a library.
RUN find . -name Cargo.toml -not -path ./Cargo.toml -printf '%h\n' \
      | xargs -I{} sh -c 'mkdir -p {}/src && : > {}/src/lib.rs' \
    && mkdir -p src && echo 'fn main() {}' > src/main.rs \
    && cargo build --release --locked --bin govhall \
    && rm -rf src ./*/src ./*/*/src
COPY . .
# The stubs above were built after the real sources were last modified: touch them so that
# cargo's mtime check rebuilds the workspace crates instead of shipping the stub binary.
RUN find . -name '*.rs' -not -path './target/*' -exec touch {} + \
    && cargo build --release --locked --bin govhall \
    && install -D -m 0755 target/release/govhall /out/govhall

# ---- runtime: Debian slim rather than distroless, for curl in the HEALTHCHECK (govhall has
# no health subcommand) and CA certificates (object_store and the OTLP exporter verify TLS
# against the system roots).
FROM debian:bookworm-slim AS runtime
# Versions are not pinned: bookworm's security updates replace a package's version in the
# archive, so an exact pin breaks the build after the next advisory. The release is pinned
# by the base image tag; rebuild to pick up fixes.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 10001 govhall \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
         --shell /usr/sbin/nologin govhall \
    && install -d -o 10001 -g 10001 -m 0750 /var/lib/govhall
COPY --from=builder /out/govhall /usr/local/bin/govhall

# Standalone's SQLite files, uploaded materials (unless GOVHALL_MATERIALS__URL says s3://)
# and the development issuer's key go under GOVHALL_DATA_DIR: mount a volume there (an
# emptyDir in k8s, where the root filesystem is read-only).
ENV GOVHALL_DATA_DIR=/var/lib/govhall \
    GOVHALL_HTTP__HOST=0.0.0.0 \
    GOVHALL_HTTP__PORT=8080
WORKDIR /var/lib/govhall
# Numeric, so that Kubernetes' runAsNonRoot can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8080
# Through sh so that a changed GOVHALL_HTTP__PORT is followed.
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
    CMD ["/bin/sh", "-c", \
         "curl -fsS -o /dev/null http://127.0.0.1:${GOVHALL_HTTP__PORT}/healthz || exit 1"]
ENTRYPOINT ["/usr/local/bin/govhall"]
CMD ["standalone"]
