#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs the prerequisites, then
#   1. native `cargo test --workspace` (client pure logic; dev server and gateway over real sockets),
#      and the vendored tonic-web-wasm-client's own unit tests (scripts/test-vendor.sh),
#   2. browser tests: `wasm-pack test --headless --chrome`, then the same suites in Firefox ESR
#      (`--firefox`, geckodriver) and in WebKitGTK (`--safari` with WebKitWebDriver, under Xvfb),
#      against one dev server on a free port (including tests/browser_hostile.rs: 112 hostile
#      inputs and servers, each a typed error within its deadline, then a Bell job, ~15 s; and the
#      fault soaks of tests/browser_soak.rs: 500 jobs at 20% and 40% UNAVAILABLE, a flapping server
#      under 300 jobs, an aborted 1000-job batch; ~40 s per engine; figures printed with
#      `-- --nocapture`; and tests/browser_journal.rs: a 300-job batch dropped mid-run and resumed
#      from the job journal by a new client, checked against the server's count of created jobs),
#   3. the client's browser tests again through the grpc-web gateway in front of that server,
#      then over HTTPS and HTTP/2 (3b): through the gateway with --tls and against a dev server
#      with --tls (self-signed certificates, ALPN h2),
#   4. a downstream Rust app's browser tests (examples/rust-app: depends on this crate by path in its
#      own workspace, as a dependent app does; Bell job, batch, memory flat over 2000 calls),
#   5. the built npm package: strict TypeScript compile, Node tests, a page importing it, the circuit
#      tools' differential test (tests/pkg/circuit.test.mjs: 133 programs through validateQasm and the
#      dev server, local vs server counts), the
#      boundary test (every exported parameter given wrong types), the packed tarball installed by
#      consumers (a Node project, and the fixtures of tests/consumers/: a plain page with an import
#      map, a Vite 8 build, a webpack 5 build, a Rollup 4 build and a module Web Worker, each running the Quick Start
#      in headless Chromium), and the size budget (gzip of .wasm + glue at most 10% above
#      size-budget.json; the client and the circuit tools each have one),
#   6. the playground end to end in headless Chromium and headless Firefox, diagnostics, the diagram and a
#      local run with the server stopped included (screenshots in
#      tests/output/screenshots/ and tests/output/screenshots/firefox/).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

scripts/setup.sh
use_project_tools

passed=0
stage() { printf '\n=== %s\n' "$*"; }
mark() { passed=$((passed + 1)); }

mkdir -p target/test-logs
cleanup() { stop_gateway; stop_pid "${TLS_SERVER_PID:-}"; stop_dev_server; }
trap cleanup EXIT

stage "1. native tests (cargo test --workspace)"
cargo test --workspace
scripts/test-vendor.sh
mark

stage "2. browser tests in Chrome (wasm-pack test --headless --chrome)"
cargo build -p arvak-dev-server
start_dev_server target/debug/arvak-dev-server target/test-logs/dev-server --seed 1
echo "dev server: $DEV_SERVER_URL (pid $DEV_SERVER_PID)"
# Each test binary must finish within WASM_BINDGEN_TEST_TIMEOUT (the runner's default is 20 s;
# browser_resilience runs batches of 300–1000 jobs and takes ~15 s here, browser_soak ~40 s):
# leave room for slower CI.
export WASM_BINDGEN_TEST_TIMEOUT="${WASM_BINDGEN_TEST_TIMEOUT:-120}"
ARVAK_TEST_URL="$DEV_SERVER_URL" wasm-pack test --headless --chrome
mark

# The same test binaries (same ARVAK_TEST_URL, so nothing is rebuilt) in the second engine. The runner
# starts geckodriver from PATH (~/.cargo/bin) and passes Firefox -headless itself.
stage "2b. the same browser tests in Firefox (wasm-pack test --headless --firefox)"
ARVAK_TEST_URL="$DEV_SERVER_URL" wasm-pack test --headless --firefox
mark

# WebKit: the runner's Safari driver is any W3C WebDriver server; WebKitGTK's WebKitWebDriver starts
# MiniBrowser, which needs a display even here, so it runs inside a private Xvfb server (xvfb-run -a
# picks a free display number and stops it afterwards). The runner prints "Safari" for it.
stage "2c. the same browser tests in WebKitGTK (wasm-pack test --safari, WebKitWebDriver under Xvfb)"
ARVAK_TEST_URL="$DEV_SERVER_URL" xvfb-run -a wasm-pack test --headless --safari --safaridriver /usr/bin/WebKitWebDriver
mark

stage "3. browser client tests through the gateway (arvak-dev-server gateway)"
start_gateway target/debug/arvak-dev-server target/test-logs/gateway "$DEV_SERVER_URL"
echo "gateway: $GATEWAY_URL -> $DEV_SERVER_URL (pid $GATEWAY_PID)"
ARVAK_TEST_URL="$GATEWAY_URL" ARVAK_CONTROL_URL="$DEV_SERVER_URL" \
  wasm-pack test --headless --chrome -- --test browser_client
stop_gateway
mark

# HTTPS with ALPN h2, as browsers meet any TLS proxy: the gateway with --tls in front of the same
# server, then a dev server with --tls of its own. The certificates are self-signed; webdriver.json
# sets acceptInsecureCerts. The client must see "h2" and lift its stream cap (browser_client's
# the_protocol_is_detected_and_sets_the_stream_cap checks both).
stage "3b. browser client tests over HTTPS and HTTP/2 (gateway --tls, dev server --tls)"
start_gateway target/debug/arvak-dev-server target/test-logs/gateway-tls "$DEV_SERVER_URL" --tls
echo "gateway over TLS: $GATEWAY_URL -> $DEV_SERVER_URL (pid $GATEWAY_PID)"
ARVAK_TEST_URL="$GATEWAY_URL" ARVAK_CONTROL_URL="$DEV_SERVER_URL" \
  wasm-pack test --headless --chrome -- --test browser_client
stop_gateway
plain_url=$DEV_SERVER_URL plain_pid=$DEV_SERVER_PID
start_dev_server target/debug/arvak-dev-server target/test-logs/dev-server-tls --seed 1 --tls
TLS_SERVER_PID=$DEV_SERVER_PID
echo "dev server over TLS: $DEV_SERVER_URL (pid $TLS_SERVER_PID)"
ARVAK_TEST_URL="$DEV_SERVER_URL" wasm-pack test --headless --chrome -- --test browser_client
stop_pid "$TLS_SERVER_PID"
TLS_SERVER_PID=""
DEV_SERVER_URL=$plain_url DEV_SERVER_PID=$plain_pid
mark

stage "4. a downstream Rust app (examples/rust-app, its own workspace)"
(cd examples/rust-app && ARVAK_TEST_URL="$DEV_SERVER_URL" wasm-pack test --headless --chrome -- -- --nocapture)
mark

stage "5. built npm package (strict TypeScript, Node, a page importing it, consumer fixtures)"
ARVAK_TEST_URL="$DEV_SERVER_URL" scripts/test-pkg.sh
node scripts/check-size.mjs
mark
stop_dev_server

stage "6. playground end to end (headless Chromium, then headless Firefox)"
rm -rf www/pkg && cp -r pkg/web www/pkg
E2E_SKIP_SETUP=1 E2E_SKIP_BUILD=1 scripts/e2e.sh
mark

printf '\nsuites: %d passed, 0 failed\n' "$passed"
