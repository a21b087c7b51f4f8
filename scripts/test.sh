#!/usr/bin/env bash
# The whole test suite: installs what it needs, type-checks the toolchain, then runs every
# test file (test/**/*.test.ts) with Node's test runner.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "test: type-checking build/, test/, bench/"
npx tsc -p tsconfig.json
mapfile -t files < <(find test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
echo "test: ${#files[@]} test files"
exec node --import tsx --test --test-concurrency=2 --test-reporter=spec "${files[@]}"
