#!/usr/bin/env bash
# Packs the one tarball to publish: dist/arvak-grpc-wasm-<version>.tgz, the web build (an ES module
# that works in pages, bundlers, workers and Node 20+; see the README's "Setups"). Builds the
# package first (scripts/build-pkg.sh) unless ARVAK_PKG_PREBUILT=1 and pkg/web exists.
#
# Usage: scripts/pack.sh            (prints the tarball's path)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${ARVAK_PKG_PREBUILT:-0}" != 1 ] || [ ! -f pkg/web/package.json ]; then
  scripts/build-pkg.sh >&2
fi
mkdir -p dist
# Packed into a private folder, then renamed into place (atomic within dist/): two tests packing at
# once never read a half-written tarball.
tmp=$(mktemp -d dist/.pack-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
name=$(npm pack --silent --pack-destination "$tmp" ./pkg/web)
mv -f "$tmp/$name" "dist/$name"
echo "dist/$name"
