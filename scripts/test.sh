#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs the prerequisites, then
#   1. native `cargo test` (client pure logic; dev server over real sockets),
#   2. browser tests: `wasm-pack test --headless --chrome` against a dev server on a free port,
#   3. the built npm package: Node tests and a strict TypeScript compile.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

scripts/setup.sh
use_project_tools

passed=0
stage() { printf '\n=== %s\n' "$*"; }
mark() { passed=$((passed + 1)); }

mkdir -p target/test-logs
trap stop_dev_server EXIT

stage "native tests (cargo test --workspace)"
cargo test --workspace
mark

stage "browser tests (wasm-pack test --headless --chrome)"
cargo build -p arvak-dev-server
start_dev_server target/debug/arvak-dev-server target/test-logs/dev-server --seed 1
echo "dev server: $DEV_SERVER_URL (pid $DEV_SERVER_PID)"
ARVAK_TEST_URL="$DEV_SERVER_URL" wasm-pack test --headless --chrome
mark

if [ -x scripts/test-pkg.sh ]; then
  stage "built npm package (Node import test, strict TypeScript)"
  ARVAK_TEST_URL="$DEV_SERVER_URL" scripts/test-pkg.sh
  mark
fi
stop_dev_server

printf '\nsuites: %d passed, 0 failed\n' "$passed"
