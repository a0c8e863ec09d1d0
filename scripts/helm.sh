#!/usr/bin/env bash
# Prints the path of a helm binary. Uses `helm` from PATH when there is one; otherwise builds
# helm from its Go module (Go module proxy) into a cache outside the repo, keyed by version,
# and reuses it on later runs. Override the version with HELM_VERSION, the cache with
# STAND_INS_CACHE (same cache root as scripts/stand-ins/build-binaries.sh).
set -euo pipefail
HELM_VERSION=${HELM_VERSION:-v3.22.0}
CACHE=${STAND_INS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aws-lb-controller}
OUT="$CACHE/helm-$HELM_VERSION"

if [ -z "${HELM_FORCE_BUILD:-}" ] && command -v helm >/dev/null 2>&1; then
  command -v helm
  exit 0
fi

mkdir -p "$CACHE"
if [ ! -x "$OUT/helm" ] && command -v flock >/dev/null; then
  # two test processes may ask at once: one builds, the other waits and reuses
  exec 9>"$CACHE/.helm-build.lock"
  flock 9
fi
if [ ! -x "$OUT/helm" ]; then
  command -v go >/dev/null || { echo "helm.sh: helm is not on PATH and Go is not installed to build it (install helm, or Go >= 1.24 from https://go.dev/dl)" >&2; exit 3; }
  export GOTOOLCHAIN=local GOFLAGS=-mod=mod
  MAJOR=${HELM_VERSION%%.*}            # v3 or v4
  MOD="helm.sh/helm/$MAJOR"
  echo "helm.sh: building helm $HELM_VERSION from $MOD into $OUT (first time only, a few minutes)" >&2
  W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
  rm -rf "$OUT.tmp"; mkdir -p "$OUT.tmp"
  ( cd "$W"
    printf 'module local/helmbin\n\ngo 1.24.0\n' > go.mod
    go get "$MOD/cmd/helm@$HELM_VERSION"
    # As helm's own Makefile does: the Kubernetes version that `helm template` and `helm lint` assume
    # is the one of the client-go it is built with (without it, helm assumes v1.20).
    KV=$(go list -f '{{.Version}}' -m k8s.io/client-go)   # v0.N.x  =>  Kubernetes 1.N
    KMINOR=$(echo "$KV" | cut -d. -f2)
    LDF="-s -w -X $MOD/internal/version.version=$HELM_VERSION"
    for pkg in pkg/chartutil pkg/lint/rules; do
      LDF="$LDF -X $MOD/$pkg.k8sVersionMajor=1 -X $MOD/$pkg.k8sVersionMinor=$KMINOR"
    done
    go build -trimpath -ldflags "$LDF" -o "$OUT.tmp/helm" "$MOD/cmd/helm" )
  rm -rf "$OUT"; mv "$OUT.tmp" "$OUT"
fi
echo "$OUT/helm"
