#!/usr/bin/env bash
# End-to-end test of the playground in headless Chromium (playwright-core driving Debian's chromium)
# and headless Firefox (selenium-webdriver driving Firefox ESR through geckodriver): builds the wasm
# package (release) into www/pkg and the dev server, serves www/ with the playground's CSP on a free
# loopback port, runs tests/e2e/playground.test.mjs against it once per browser, stops the server.
# Screenshots of the main states: tests/output/screenshots/*.png (Chromium), .../firefox/*.png.
#   scripts/e2e.sh                      # everything
#   E2E_SKIP_BUILD=1 scripts/e2e.sh     # reuse www/pkg and the built server (after scripts/test.sh built them)
#   E2E_BROWSERS=firefox scripts/e2e.sh # one browser (default: "chromium firefox")
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

[ -n "${E2E_SKIP_SETUP:-}" ] || scripts/setup.sh
use_project_tools
target="${CARGO_TARGET_DIR:-target}"

if [ -z "${E2E_SKIP_BUILD:-}" ]; then
  scripts/build-pkg.sh
  rm -rf www/pkg && cp -r pkg/web www/pkg
  cargo build -p arvak-dev-server
fi
[ -f www/pkg/arvak_grpc_wasm.js ] || { echo "www/pkg is missing: run without E2E_SKIP_BUILD" >&2; exit 1; }

mkdir -p "$target/test-logs" tests/output/screenshots
trap stop_dev_server EXIT
start_dev_server "$target/debug/arvak-dev-server" "$target/test-logs/e2e-server" --www www --csp --seed 1
echo "playground: $DEV_SERVER_URL/ (dev server pid $DEV_SERVER_PID)"

for browser in ${E2E_BROWSERS:-chromium firefox}; do
  echo "--- playground in headless $browser"
  E2E_BROWSER="$browser" PLAYGROUND_URL="$DEV_SERVER_URL/" node --test --test-reporter=spec tests/e2e/playground.test.mjs
done
echo "screenshots: $(ls tests/output/screenshots/*.png tests/output/screenshots/*/*.png 2>/dev/null | tr '\n' ' ')"
