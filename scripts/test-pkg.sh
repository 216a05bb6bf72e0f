#!/usr/bin/env bash
# Tests the built npm package as a user sees it:
#   1. strict TypeScript compile of tests/ts/usage.ts and tests/ts/circuit.ts against pkg/web (no `any`
#      on the public surface);
#   2. Node tests of pkg/web (import, init with the .wasm bytes, instanceof, Date fields, a Bell
#      round trip, abort, deadline) against the dev server at ARVAK_TEST_URL, a page importing
#      pkg/web in headless Chromium (playwright-core) that runs the Quick Start, and the circuit
#      tools in a page (tests/pkg/circuit.test.mjs: validateQasm against the server on a corpus), and
#      the journal relay as a site's service worker (tests/pkg/relay.test.mjs);
#   3. the packed tarball (scripts/pack.sh) as consumers install it: in a fresh Node project
#      (tests/pkg/node-consumer.test.mjs), and in the fixture projects of tests/consumers/ —
#      a plain module page with an import map, a Vite 8 build, a webpack 5 production build and a
#      module Web Worker — each running the Quick Start in headless Chromium
#      (tests/pkg/consumers.test.mjs; it installs the fixtures' pinned vite and webpack with
#      `npm ci` in tests/consumers/, so it needs the npm registry).
# Builds the package first (scripts/build-pkg.sh) unless ARVAK_PKG_PREBUILT=1 and pkg/web exists.
#
# Usage: ARVAK_TEST_URL=http://127.0.0.1:PORT scripts/test-pkg.sh
set -euo pipefail
cd "$(dirname "$0")/.."
: "${ARVAK_TEST_URL:?set ARVAK_TEST_URL to a running arvak-dev-server, e.g. http://127.0.0.1:8080}"

if [ "${ARVAK_PKG_PREBUILT:-0}" != 1 ] || [ ! -f pkg/web/package.json ]; then
  scripts/build-pkg.sh
fi

echo "test-pkg: tsc --strict --noEmit (tests/ts/usage.ts and circuit.ts against pkg/web)"
tools/node_modules/.bin/tsc -p tests/ts/tsconfig.json

echo "test-pkg: node --test tests/pkg/ (server $ARVAK_TEST_URL)"
ARVAK_TEST_URL="$ARVAK_TEST_URL" node --test tests/pkg/
