#!/usr/bin/env bash
# Where the shipped wasm's bytes go: builds the release wasm, runs wasm-bindgen and `wasm-opt -Oz --converge`
# exactly as the package build does but keeping the name section (-g), and prints twiggy's
# breakdown by crate and by this crate's modules, plus gzip and Brotli of the shipped files.
# Needs twiggy (`cargo install twiggy --locked`, ~2 min) and scripts/setup.sh's tools.
#
# Usage: scripts/size-report.sh            (after scripts/build-pkg.sh, for the shipped sizes)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
command -v twiggy >/dev/null || { echo "size-report: install twiggy: cargo install twiggy --locked" >&2; exit 1; }

target="${CARGO_TARGET_DIR:-target}"
cargo build --release --target wasm32-unknown-unknown -p arvak-grpc-wasm --features no-tracing >&2
out=$(mktemp -d)
trap '[ -n "${KEEP_SIZE_REPORT:-}" ] || rm -rf "$out"' EXIT
wasm-bindgen --target web --keep-debug --out-dir "$out" "$target/wasm32-unknown-unknown/release/arvak_grpc_wasm.wasm"
wasm-opt -Oz --converge -g --enable-reference-types --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-multivalue \
  "$out/arvak_grpc_wasm_bg.wasm" -o "$out/named.wasm"
twiggy top -n 1000000 -f csv "$out/named.wasm" > "$out/top.csv"
node scripts/size-report.mjs "$out/top.csv" pkg/web
