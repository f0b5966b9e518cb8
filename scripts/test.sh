#!/usr/bin/env bash
# The whole test suite: dependencies, real SAML peers, type check, formatting, every test.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "test: installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
fi

# xmlsec1, pysaml2, xmllint and Chromium are real peers of the interop and browser tests.
# The script installs any that are missing, and fails loudly when it cannot.
bash scripts/ensure-peers.sh

echo "test: type check"
npx tsc --noEmit

echo "test: formatting"
npx prettier --check .

echo "test: test suites"
npx vitest run "$@"
