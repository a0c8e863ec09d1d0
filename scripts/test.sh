#!/usr/bin/env bash
# The one test command (README: `npm test`): typecheck, lint, unit tests, then the end-to-end suites
# against the local stand-ins (a real kube-apiserver + etcd and the moto server).
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck"; npx tsc -p tsconfig.json
echo "== lint"; npx eslint .
echo "== unit"; npx mocha 'test/unit/**/*.test.ts'
if [ -d test/e2e ] && ls test/e2e/*.test.ts >/dev/null 2>&1; then
  echo "== end-to-end"; npx mocha --timeout 900000 'test/e2e/**/*.test.ts'
fi
