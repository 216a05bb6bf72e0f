#!/usr/bin/env bash
# The main job: builds the wasm package (release) and serves the playground and the package
# from the dev server on one origin. Prints the URL; stop with Ctrl-C.
#   ARVAK_ADDR=127.0.0.1:8080 scripts/playground.sh   # choose the address (default: a free port)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

scripts/setup.sh
use_project_tools
scripts/build-pkg.sh
rm -rf www/pkg && cp -r pkg/web www/pkg
cargo build --profile server -p arvak-dev-server
exec target/server/arvak-dev-server --addr "${ARVAK_ADDR:-127.0.0.1:0}" --www www --csp "$@"
