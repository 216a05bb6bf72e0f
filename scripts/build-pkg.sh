#!/usr/bin/env bash
# Builds the npm package `arvak-grpc-wasm` for two targets:
#   pkg/web      --target web      (ES module; call `await init()` first)
#   pkg/bundler  --target bundler  (for webpack/vite/rollup; no explicit init)
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

for target in web bundler; do
  echo "build-pkg: wasm-pack build --release --target $target → pkg/$target"
  rm -rf "pkg/$target"
  wasm-pack build --release --target "$target" --out-dir "pkg/$target" --out-name arvak_grpc_wasm .
done

node scripts/finish-pkg.mjs pkg/web pkg/bundler
