#!/usr/bin/env bash
# Native unit tests of the vendored, patched tonic-web-wasm-client (vendor/*/PATCHED.md). The
# directory is outside the cargo workspace (it is a [patch.crates-io] dependency), so it is tested
# from a copy with its own workspace root and this project's Cargo.lock.
set -euo pipefail
cd "$(dirname "$0")/.."
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
cp -r vendor/tonic-web-wasm-client "$copy/twwc"
printf '\n[workspace]\n' >> "$copy/twwc/Cargo.toml"
cp Cargo.lock "$copy/twwc/"
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}/vendor" cargo test --manifest-path "$copy/twwc/Cargo.toml"
