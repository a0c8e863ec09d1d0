#!/usr/bin/env bash
# Builds etcd and kube-apiserver from the Go module proxy into a cache outside the repo,
# keyed by version. Does nothing when the binaries are already there.
set -euo pipefail
K8S=${K8S_VERSION:-v1.34.4}
ETCD=${ETCD_VERSION:-v3.6.16}
CACHE=${STAND_INS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/aws-lb-controller}
K8S_OUT="$CACHE/k8s-$K8S"
ETCD_OUT="$CACHE/etcd-$ETCD"

if [ -x "$ETCD_OUT/etcd" ] && [ -x "$K8S_OUT/kube-apiserver" ]; then
  echo "$ETCD_OUT/etcd"
  echo "$K8S_OUT/kube-apiserver"
  exit 0
fi
command -v go >/dev/null || { echo "stand-ins: Go is required to build kube-apiserver and etcd (install Go >= 1.24 from https://go.dev/dl)" >&2; exit 3; }

export GOTOOLCHAIN=local GOFLAGS=-mod=mod

# One build at a time per cache (parallel test runs or a person running `up` during `npm test`).
mkdir -p "$CACHE"
if command -v flock >/dev/null; then
  exec 9>"$CACHE/.build.lock"
  flock 9
fi
WORK_DIRS=()
trap 'rm -rf "${WORK_DIRS[@]}"' EXIT

if [ ! -x "$ETCD_OUT/etcd" ]; then
  echo "stand-ins: building etcd $ETCD into $ETCD_OUT" >&2
  W=$(mktemp -d); WORK_DIRS+=("$W")
  ( cd "$W"
    printf 'module local/etcdbin\n\ngo 1.24.0\n' > go.mod
    go get "go.etcd.io/etcd/server/v3@$ETCD"
    mkdir -p "$ETCD_OUT.tmp"
    go build -trimpath -ldflags "-s -w" -o "$ETCD_OUT.tmp/etcd" go.etcd.io/etcd/server/v3 )
  rm -rf "$ETCD_OUT"; mv "$ETCD_OUT.tmp" "$ETCD_OUT"
fi

if [ ! -x "$K8S_OUT/kube-apiserver" ]; then
  echo "stand-ins: building kube-apiserver $K8S into $K8S_OUT (cold: 10-20 minutes on 2 cores)" >&2
  STG=v0.${K8S#v1.}; MINOR=$(echo "$K8S" | cut -d. -f2)
  W=$(mktemp -d); WORK_DIRS+=("$W")
  ( cd "$W"
    printf 'module local/k8sbins\n\ngo 1.24.0\n\ngodebug default=go1.24\n' > go.mod
    GM=$(go mod download -json "k8s.io/kubernetes@$K8S" | python3 -c 'import json,sys;print(json.load(sys.stdin)["GoMod"])')
    for m in $(grep -E '^\s+k8s\.io/[a-z0-9-]+ v0\.0\.0\s*$' "$GM" | awk '{print $1}'); do
      go mod edit -replace "$m=$m@$STG"
    done
    go get "k8s.io/kubernetes/cmd/kube-apiserver@$K8S"
    LDF="-s -w -X k8s.io/component-base/version.gitVersion=$K8S -X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=$MINOR -X k8s.io/component-base/version.gitTreeState=clean"
    mkdir -p "$K8S_OUT.tmp"
    go build -trimpath -ldflags "$LDF" -o "$K8S_OUT.tmp/" k8s.io/kubernetes/cmd/kube-apiserver )
  rm -rf "$K8S_OUT"; mv "$K8S_OUT.tmp" "$K8S_OUT"
fi
echo "$ETCD_OUT/etcd"
echo "$K8S_OUT/kube-apiserver"
