#!/usr/bin/env bash
# Builds the npm package `arvak-grpc-wasm`: pkg/web, the wasm-bindgen `--target web` build (an ES
# module; `await init()` first), the one build the package ships (pages, bundlers, workers, Node).
# Release builds, optimised with wasm-opt from tools/node_modules (binaryen >= 116 required), then
# scripts/finish-pkg.mjs adds the package entry (index.js/.d.ts re-exporting the client and the error
# classes), fills package.json and prints the gzip size of .wasm + JS glue.
#
# Usage: scripts/build-pkg.sh            (honours CARGO_TARGET_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."

export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"

# Debian's binaryen (wasm-opt 108) silently breaks the shipped module: refuse anything old.
wasm_opt=$(command -v wasm-opt || true)
if [ -z "$wasm_opt" ]; then
  echo "build-pkg: wasm-opt not found; run scripts/setup.sh (installs binaryen into tools/node_modules)" >&2
  exit 1
fi
ver=$("$wasm_opt" --version | sed -n 's/.*version \([0-9][0-9]*\).*/\1/p')
if [ -z "$ver" ] || [ "$ver" -lt 116 ]; then
  echo "build-pkg: $wasm_opt is wasm-opt version '${ver:-?}'; need >= 116 (wasm-opt 108 corrupts externref tables)" >&2
  exit 1
fi
echo "build-pkg: using $wasm_opt (version $ver)"

echo "build-pkg: wasm-pack build --release --target web → pkg/web"
rm -rf pkg/web pkg/bundler
wasm-pack build --release --target web --out-dir pkg/web --out-name arvak_grpc_wasm . -- --features no-tracing

# The circuit tools (arvak-grpc-wasm/circuit): a second module, loaded only when a page asks for it.
echo "build-pkg: wasm-pack build --release --target web crates/arvak-circuit-wasm → pkg/web/circuit"
wasm-pack build --release --target web --no-pack --out-dir ../../pkg/web/circuit --out-name arvak_circuit crates/arvak-circuit-wasm

node scripts/finish-pkg.mjs pkg/web
