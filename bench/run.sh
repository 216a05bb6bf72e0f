#!/usr/bin/env bash
# One command for the benchmarks: builds release artifacts (wasm package, Connect-ES peer bundle,
# dev server), starts the dev server (rate limit off, default watch interval) on a free port,
# drives bench/www in headless Chromium, prints the table and writes bench/results/latest.json, measures
# start-up (bench/startup.mjs → bench/results/startup.json); then
# the same over HTTPS/HTTP/2 (dev server --tls) into bench/results/latest-h2.json.
#   bench/run.sh [rounds]      (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

scripts/setup.sh
use_project_tools
scripts/build-pkg.sh
(cd bench && npm ci --no-audit --no-fund --loglevel=error && node_modules/.bin/buf generate \
  && node_modules/.bin/esbuild peer.js --bundle --minify --format=esm --outfile=www/peer.bundle.js --log-level=warning)
rm -rf bench/www/pkg && cp -r pkg/web bench/www/pkg
cargo build --profile server -p arvak-dev-server -p arvak-loadgen

mkdir -p target/bench-logs
cleanup() { stop_gateway; stop_dev_server; }
trap cleanup EXIT
# --isolated: the pages are cross-origin isolated, so performance.now() ticks every 5 µs, not every
# 100 µs (at ~2 ms per call, one coarse tick is a 4-5 % step in a p50 ratio).
start_dev_server target/server/arvak-dev-server target/bench-logs/dev-server --isolated \
  --www bench/www --rate-limit 0 --max-concurrent-jobs 1000000 --job-capacity 100000
# The gateway in front of the same server, to measure what it adds per unary call.
start_gateway target/server/arvak-dev-server target/bench-logs/gateway "$DEV_SERVER_URL"
echo "=== HTTP/1.1 (plain http://, 6 connections per origin)"
node bench/run.mjs "$DEV_SERVER_URL" "${1:-3}" "$GATEWAY_URL"
# Start-up (import → init → first call), cold and cached, both clients and the circuit tools.
node bench/startup.mjs "$DEV_SERVER_URL" 7
# The physical limit: the peer loop's workload driven natively over HTTP/2 gRPC.
echo "=== native load generator (HTTP/2 gRPC, same workload as the Connect-ES loop)"
target/server/arvak-loadgen "$DEV_SERVER_URL" 3 > bench/results/loadgen.json
cat bench/results/loadgen.json
stop_gateway
stop_dev_server
# The same over HTTPS with ALPN h2, as browsers meet any TLS proxy (one multiplexed connection).
start_dev_server target/server/arvak-dev-server target/bench-logs/dev-server-tls --tls --isolated \
  --www bench/www --rate-limit 0 --max-concurrent-jobs 1000000 --job-capacity 100000
echo "=== HTTP/2 (https://, dev server --tls)"
BENCH_OUT=latest-h2.json node bench/run.mjs "$DEV_SERVER_URL" "${1:-3}"
# The machine-readable summary of all of it, into bench/results/latest.json.
node bench/summary.mjs
